# Databricks notebook source
# MAGIC %md
# MAGIC # The library of this folder
# MAGIC `%run` first by every notebook: sets `LIBRARY_FOLDER`, where `invoke deploy` and `invoke ci` put the
# MAGIC library for the folder the calling notebook sits in, found from that notebook's own path, so the same
# MAGIC notebook installs the right build in any folder without an edit:
# MAGIC
# MAGIC | notebook in | installs from |
# MAGIC |---|---|
# MAGIC | `<root>/<branch>/` | `<root>/<branch>/libraries/` |
# MAGIC | `<root>/master/` | `<root>/libraries/` (production's) |
# MAGIC | `<root>/CI/<build>-<branch>/` or a CI Git folder | that folder's `libraries/` |
# MAGIC
# MAGIC The calling notebook then runs `%pip install ... --find-links $LIBRARY_FOLDER`: pip takes the newest
# MAGIC build in that folder and nothing else, then its dependencies from the package index.
# MAGIC Set `LIBRARY_STORE` to match `mlops.databricks.library_store` in invoke.yaml.

# COMMAND ----------

# "/Workspace" (library_store: workspace), the volume "/Volumes/<catalog>/<schema>/<volume>" (library_store:
# volume) or "/dbfs/FileStore/mlops" (library_store: dbfs, classic compute only).
LIBRARY_STORE = "/Workspace"
NOTEBOOK_SUBFOLDERS = ("integration_tests",)

_notebook = dbutils.notebook.entry_point.getDbutils().notebook().getContext().notebookPath().get()
_folder = _notebook.rsplit("/", 1)[0]
if _folder.rsplit("/", 1)[-1] in NOTEBOOK_SUBFOLDERS:
    _folder = _folder.rsplit("/", 1)[0]
_parent, _name = _folder.rsplit("/", 1)
LIBRARY_FOLDER = LIBRARY_STORE + (_parent if _name == "master" else _folder) + "/libraries"
print(f"{_notebook}: installing {{ cookiecutter.library_name }} from {LIBRARY_FOLDER}")
