#!/usr/bin/env bash
# Set up .venv from the pinned requirements (once, and again when they change), then run an invoke task:
#   ./dev.sh demo    bake a project and run its whole pipeline on the local target
#   ./dev.sh test    run the template's tests
set -euo pipefail
cd "$(dirname "$0")"
python="${PYTHON:-python3}"
stamp=".venv/.requirements.sha256"
wanted=$(cat requirements-dev.txt constraints-dev.txt packages/databricks-mlops-engine/pyproject.toml "{{cookiecutter.project_slug}}"/requirements*.txt "{{cookiecutter.project_slug}}"/constraints.txt | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "setting up .venv (pinned requirements; a few minutes the first time)..."
  "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip==26.3"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  echo "$wanted" > "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
exec invoke "${@:-demo}"
