"""What the tasks do, one module per task family; each takes settings and a writer and works on a Target."""
