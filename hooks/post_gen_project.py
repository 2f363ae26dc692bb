"""Write one config per developer and save the answers in the project."""

import json
import os
import sys
from pathlib import Path

ANSWERS = json.loads({{ cookiecutter | tojson | tojson }})
# A relative template path is relative to where cookiecutter was started, which PWD still names.
sys.path.insert(0, str(Path(os.environ.get("PWD", "."), ANSWERS["_repo_dir"]) / "hooks"))

from project_layout import finish_project

finish_project(Path.cwd(), ANSWERS)
