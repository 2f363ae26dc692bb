"""The contract both targets keep: Target, Workspace, Runner and runs, LibraryStore, Snapshot."""
