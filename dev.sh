#!/usr/bin/env bash
# Set up .venv from the pinned requirements (once, and again when they change), then run an invoke task:
#   ./dev.sh demo    bake a project and run its whole pipeline on the local target
#   ./dev.sh test    run the template's tests
set -euo pipefail
cd "$(dirname "$0")"
# The default runtime's Python (Databricks Runtime 18 LTS ML runs 3.12; the local target refuses another minor).
python="${PYTHON:-python3.12}"
if [ -z "${PYTHON:-}" ] && ! python3.12 -V >/dev/null 2>&1 && command -v pyenv >/dev/null; then
  # pyenv keeps several versions; its python3.12 shim answers only for versions made current
  PYENV_VERSION="$(pyenv versions --bare | grep -E '^3[.]12([.]|$)' | tail -1)" && export PYENV_VERSION
fi
stamp=".venv/.requirements.sha256"
wanted=$(cat requirements-dev.txt constraints-dev.txt packages/databricks-mlops-engine/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  if ! "$python" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
    echo "error: $python is not Python 3.12, the default runtime's (Databricks Runtime 18 LTS ML): install it" \
         "(e.g. pyenv install 3.12) or point PYTHON at one" >&2
    exit 1
  fi
  echo "setting up .venv (pinned requirements; a few minutes the first time)..."
  "$python" -m venv --clear .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip==26.3"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  echo "$wanted" > "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
exec invoke "${@:-demo}"
