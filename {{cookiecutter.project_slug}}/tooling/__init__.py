"""What the invoke tasks call: workspaces, runners, sending, building, CI. One interface, two targets."""
