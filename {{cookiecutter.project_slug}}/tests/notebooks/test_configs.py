"""Every config defines exactly production's keys: an override of a key production lacks is a typo."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlops_engine.testing.source import parse_notebook, run_source

CONF_DIR = Path(__file__).resolve().parents[2] / "{{ cookiecutter.notebooks_package }}" / "conf"
CONFIGS = sorted(path.stem for path in CONF_DIR.glob("*_config.py"))


def _read(path: str) -> str:
    return (CONF_DIR / f"{Path(path).name}.py").read_text()


def config_values(name: str) -> dict[str, object]:
    """The constants a config defines once its %run chain has executed."""
    return {key: value for key, value in run_source(_read, f"/conf/{name}").items() if key.isupper()}


PRODUCTION = config_values("production_config")


def test_production_defines_the_constants_the_notebooks_use() -> None:
    assert {"SALES_PATH", "EXPERIMENT_NAME", "MODEL_NAME", "SECRET_SCOPE", "MAX_MAE_RATIO_TO_NAIVE"} <= set(PRODUCTION)


@pytest.mark.parametrize("name", [name for name in CONFIGS if name != "production_config"])
def test_config_inherits_production_and_defines_exactly_its_keys(name: str) -> None:
    cells = parse_notebook(_read(name))
    assert cells[0].magic == "%run" and cells[0].magic_argument == "./production_config"
    values = config_values(name)
    assert set(values) == set(PRODUCTION), f"{name} adds {sorted(set(values) - set(PRODUCTION))}"
    assert values["ENVIRONMENT"] != "production"
    assert values["SALES_PATH"] != PRODUCTION["SALES_PATH"], f"{name} would overwrite production's data"


@pytest.mark.parametrize("name", ["ci_set_environment", "../set_environment"])
def test_set_environment_notebooks_are_one_run_line(name: str) -> None:
    cells = parse_notebook(_read(name) if "/" not in name else (CONF_DIR.parent / "set_environment.py").read_text())
    assert len(cells) == 1 and cells[0].magic == "%run"
    assert (CONF_DIR / f"{cells[0].magic_argument.removeprefix('./conf/')}.py").is_file()


def test_no_config_reads_or_holds_a_secret() -> None:
    for name in CONFIGS:
        cells = [cell.source for cell in parse_notebook(_read(name)) if cell.magic is None]
        code = "\n".join(line for cell in cells for line in cell.splitlines() if not line.startswith("#")).lower()
        assert "dbutils" not in code and "password" not in code and "token" not in code, name


@pytest.mark.parametrize("name", CONFIGS)
def test_evaluation_window_never_overlaps_training_data(name: str) -> None:
    values = config_values(name)
    assert values["EVAL_WINDOW_DAYS"] <= values["HOLDOUT_DAYS"], "evaluation would score rows a model trained on"
