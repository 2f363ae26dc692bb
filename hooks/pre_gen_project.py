"""Refuse answers that cannot make a working project: one clear line, non-zero exit, nothing left on disk."""

import json
import os
import sys
from pathlib import Path

ANSWERS = json.loads({{ cookiecutter | tojson | tojson }})
# A relative template path is relative to where cookiecutter was started, which PWD still names.
sys.path.insert(0, str(Path(os.environ.get("PWD", "."), ANSWERS["_repo_dir"]) / "hooks"))

from answer_rules import AnswerError, validate

try:
    validate(ANSWERS)
except AnswerError as error:
    print(f"error: {error}", file=sys.stderr)
    sys.exit(1)
