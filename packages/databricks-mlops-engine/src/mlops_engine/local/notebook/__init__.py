"""The notebook runtime: cells, magics, dbutils, the notebook's globals and secrets."""
