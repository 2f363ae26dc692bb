"""{{ cookiecutter.project_name }}: the ML library the notebooks import (built as a {{ cookiecutter.library_format }})."""

__version__ = "0.1.0"
