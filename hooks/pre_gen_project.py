"""Refuse answers that cannot make a working project: one clear line, non-zero exit.

The answers were checked before any folder was made (``check_answers`` in ``cookiecutter.json``); this
checks again those that skipped the questions, such as an edited replay file.
"""

import json
import sys

sys.path.insert(0, json.loads({{ hooks_dir | tojson | tojson }}))

from answer_rules import AnswerError, validate

try:
    validate(json.loads({{ cookiecutter | tojson | tojson }}))
except AnswerError as error:
    print(f"error: {error}", file=sys.stderr)
    sys.exit(1)
