#!/usr/bin/env bash
# Create .venv with the project's pinned development requirements.
set -euo pipefail
cd "$(dirname "$0")/.."
python{{ cookiecutter.python_version }} -m venv .venv 2>/dev/null || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements-dev.txt
echo "ready: . .venv/bin/activate && invoke --list"
