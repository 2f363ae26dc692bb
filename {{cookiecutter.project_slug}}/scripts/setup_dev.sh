#!/usr/bin/env bash
# Create .venv with the project's pinned development requirements, on the Python the project runs on.
# The engine (databricks-mlops-engine) comes from the package index pip is set up with; to install it from a
# folder of wheels instead: PIP_FIND_LINKS=/path/to/wheelhouse scripts/setup_dev.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python="python{{ (cookiecutter.databricks_runtime | runtime).python_minor }}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "error: $python not found: this project runs on Python {{ (cookiecutter.databricks_runtime | runtime).python_minor }}; install it" \
       "(e.g. pyenv install {{ (cookiecutter.databricks_runtime | runtime).python_minor }}) and run scripts/setup_dev.sh again" >&2
  exit 1
fi
"$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements-dev.txt
echo "ready: . .venv/bin/activate && invoke --list"
