"""The runtime table drives the local environment's checks: a Python or library that is not the runtime's is
refused in one line naming what differs and the fix."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import sys

import pytest

from mlops_engine.errors import UserError
from mlops_engine.runtimes import check_local_environment, load_runtime, mismatches, runtime_keys


def test_the_runtimes_a_project_can_choose_are_the_supported_lts_ml_ones_and_serverless_5() -> None:
    assert runtime_keys() == ["18-lts-ml", "17.3-lts-ml", "serverless-5"]
    assert {"15.4-lts-ml", "serverless-4"} <= set(runtime_keys(supported_only=False))


def test_serverless_5_is_spark_4_1_with_spark_connect_s_client_locally() -> None:
    runtime = load_runtime("serverless-5")
    assert runtime.serverless and runtime.spark_version is None
    pins = runtime.local_pins()
    assert pins["pyspark"] == "4.1.0" and pins["mlflow"] == "3.8.1" and pins["pyarrow"] == "21.0.0"
    assert {"grpcio", "grpcio-status", "googleapis-common-protos", "zstandard"} <= set(pins)
    assert "databricks-connect" not in pins  # it replaces pyspark and needs a workspace


def test_an_unknown_or_unsupported_runtime_is_refused_with_the_choices() -> None:
    for key in ("14.3-lts-ml", "15.4-lts-ml", "serverless-4"):
        with pytest.raises(UserError, match=r"'.*' is not a runtime this engine runs; choose one of: 18-lts-ml, 17.3"):
            load_runtime(key)


def test_this_environment_is_the_default_runtime_s() -> None:
    assert mismatches(load_runtime("18-lts-ml")) == []


def test_another_python_minor_is_refused_naming_the_one_to_use() -> None:
    other = "3.11.0" if sys.version_info[:2] != (3, 11) else "3.12.3"
    runtime = dataclasses.replace(load_runtime("18-lts-ml"), python=other)
    minor = ".".join(other.split(".")[:2])
    with pytest.raises(UserError, match=rf"Python {sys.version_info.major}.{sys.version_info.minor} \(the runtime's "
                                        rf"is {minor}\); use python{minor}: scripts/setup_dev.sh$"):
        check_local_environment(runtime)


def test_a_library_of_another_version_is_refused_naming_both_versions() -> None:
    runtime = load_runtime("17.3-lts-ml")  # Spark 4.0.0, MLflow 3.0.1: not this environment's
    with pytest.raises(UserError) as refused:
        check_local_environment(runtime)
    message = str(refused.value)
    assert f"pyspark {importlib.metadata.version('pyspark')} (the runtime's is 4.0.0)" in message
    assert "mlflow 3.8.1 (the runtime's is 3.0.1)" in message
    assert message.endswith("reinstall it: pip install -r requirements-dev.txt")
    assert "\n" not in message
