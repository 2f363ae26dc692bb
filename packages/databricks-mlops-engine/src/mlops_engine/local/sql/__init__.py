"""SQL and Delta on the local target: statements, tables and Delta writes."""
