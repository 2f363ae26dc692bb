"""Unity Catalog's three-level model names in every config, and aliases (never stages) in the library.

The registry calls on such names are tested against an MLflow server in ``integration/test_champion.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mlops_engine.testing.source import run_source

PROJECT = Path(__file__).resolve().parents[2]
CONF_DIR = PROJECT / "{{ cookiecutter.notebooks_package }}" / "conf"
LIBRARY = PROJECT / "src" / "{{ cookiecutter.library_name }}"


def _config(name: str) -> dict[str, object]:
    return run_source(lambda path: (CONF_DIR / f"{Path(path).name}.py").read_text(), f"/conf/{name}")


@pytest.mark.parametrize("name", sorted(path.stem for path in CONF_DIR.glob("*_config.py")))
def test_every_config_names_its_model_in_the_registry_it_selects(name: str):
    config = _config(name)
    catalog, schema = config["CATALOG"], config["SCHEMA"]
    assert config["REGISTRY_URI"] == "databricks-uc"
    assert re.fullmatch(rf"{catalog}\.{schema}\.\w+", str(config["MODEL_NAME"])), config["MODEL_NAME"]
    assert str(config["MODEL_NAME"]).count(".") == 2


def test_without_a_catalog_the_workspace_registry_and_plain_names():
    source = (CONF_DIR / "production_config.py").read_text().replace('CATALOG = "main"', 'CATALOG = ""')
    assert 'CATALOG = ""' in source
    namespace = run_source(lambda _path: source, "/conf/production_config")
    assert namespace["REGISTRY_URI"] == "databricks"
    assert namespace["MODEL_NAME"] == "{{ cookiecutter.library_name }}"


def test_the_library_moves_aliases_never_stages():
    for module in ("champion", "evaluation", "scoring", "tracking"):
        source = (LIBRARY / f"{module}.py").read_text()
        assert not re.search(r"transition_model_version_stage|stage\s*=|/Production|/Staging", source), module
