"""What a local run's processes get of the developer's shell (an allow-list), and the shell's values blanked out of
what they write."""

from __future__ import annotations

from mlops_engine.local.secrecy.environment import allowed_environment, secret_values
from mlops_engine.local.secrecy.stream_redaction import StreamRedactor

SHELL = {
    "PATH": "/usr/bin", "HOME": "/home/dev", "LANG": "C.UTF-8", "JAVA_HOME": "/opt/java", "PYSPARK_PYTHON": "python3",
    "PIP_INDEX_URL": "https://dev:index-pa55word@pypi.example/simple", "HTTPS_PROXY": "http://proxy:3128",
    "AWS_CA_BUNDLE": "/etc/ssl/ca.pem", "LOCAL_SPARK_IDLE_SECONDS": "60",
    "DATABRICKS_TOKEN": "dapi-0123456789", "DATABRICKS_HOST": "https://adb-1.azuredatabricks.net",
    "ARM_CLIENT_SECRET": "arm-s3cr3t-value", "AWS_SECRET_ACCESS_KEY": "aws-s3cr3t-value",
    "MLFLOW_TRACKING_TOKEN": "mlflow-token-value", "DATABRICKS_SECRET_TEAM__API": "scope-value-42",
    "GITHUB_TOKEN": "ghp_0123456789", "MY_APP_PASSWORD": "app-password-1", "DEBUG_TOKEN": "1", "EDITOR": "vim",
}


def test_a_run_gets_what_it_needs_and_none_of_the_shell_s_credentials() -> None:
    assert sorted(allowed_environment(SHELL)) == ["AWS_CA_BUNDLE", "HOME", "HTTPS_PROXY", "JAVA_HOME", "LANG",
                                                  "LOCAL_SPARK_IDLE_SECONDS", "PATH", "PIP_INDEX_URL",
                                                  "PYSPARK_PYTHON"]


def test_the_shell_s_secret_looking_values_are_blanked_but_not_its_short_flags() -> None:
    assert sorted(secret_values(SHELL)) == sorted(["dapi-0123456789", "arm-s3cr3t-value", "aws-s3cr3t-value",
                                                   "mlflow-token-value", "scope-value-42", "ghp_0123456789",
                                                   "app-password-1", "index-pa55word"])


def test_a_value_added_later_is_blanked_from_then_on_even_split_across_pieces() -> None:
    redactor = StreamRedactor(["first-secret"])
    before = redactor.feed(b"a first-secret, no second-secret yet\n")
    redactor.add("second-secret")
    after = redactor.feed(b"then second-se") + redactor.feed(b"cret\n") + redactor.finish()
    assert before + after == b"a [REDACTED], no second-secret yet\nthen [REDACTED]\n"
