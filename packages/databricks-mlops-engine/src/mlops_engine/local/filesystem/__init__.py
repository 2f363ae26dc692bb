"""Workspace, DBFS, volume and FUSE paths as folders of the local workspace."""
