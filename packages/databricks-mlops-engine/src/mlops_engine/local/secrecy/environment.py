"""What a local run's processes get of the developer's shell: an allow-list, never its credentials.

A Databricks cluster's processes see their own environment, not the laptop's: the run's process, its ``%sh``
children, the warm Spark driver's JVM and its Python workers get only what running Python, Java, Spark, pip and
the engine needs (paths, locale, proxies and package indexes, ``PYSPARK_*``/``SPARK_*``, the engine's own
``LOCAL_*``/``MLOPS_*``). A token exported for the databricks target (``DATABRICKS_TOKEN``, ``ARM_*``...) stays in
the shell; secrets reach a run through its hand-off (``dbutils.secrets``) and are redacted from what it writes,
and so are the shell's secret-looking values, should one travel some other way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

ALLOWED_NAMES = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP",
    "JAVA_HOME", "JDK_JAVA_OPTIONS", "HADOOP_HOME", "HADOOP_CONF_DIR", "VIRTUAL_ENV", "LD_LIBRARY_PATH",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
    "MPLCONFIGDIR", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
})
ALLOWED_PREFIXES = ("LC_", "XDG_", "PYTHON", "PYENV_", "CONDA_", "PYSPARK_", "SPARK_", "PIP_", "UV_", "JAVA_TOOL_",
                    "MLFLOW_", "LOCAL_", "MLOPS_")
"""Names a run may need: locale, caches, Python, Spark, pip's and uv's settings (index, trusted hosts), the
engine's own (``LOCAL_SPARK_IDLE_SECONDS``, ``LOCAL_FS_NAMESPACE``, ``MLOPS_MAVEN_REPOSITORY``...)."""
CERTIFICATES = re.compile(r"CA_?BUNDLE|CA_?CERTS?|CAINFO|CERT_(FILE|DIR)|SSL_ROOTS", re.IGNORECASE)
"""Where the machine's certificate authorities are, for any tool (``AWS_CA_BUNDLE``, ``GIT_SSL_CAINFO``...): a
network behind a TLS-inspecting proxy needs them, and a path is no secret."""
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY"
                         r"|CONNECTION_?STRING", re.IGNORECASE)
"""Names never passed on, even under an allowed prefix (``MLFLOW_TRACKING_TOKEN``, ``PIP_PASSWORD``...)."""
CLOUD_NAME = re.compile(r"^(DATABRICKS|ARM|AZURE|AWS|GOOGLE|GCP|GITHUB|SYSTEM)_", re.IGNORECASE)
"""A workspace's or a cloud's settings and logins: the databricks target's, not a run's."""
SHORTEST_SECRET = 8
"""A shorter value (``DEBUG_TOKEN=1``) cannot be told from ordinary text: blanking it would garble every log."""


def allowed_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables of ``environ`` a run's processes (or the warm driver) get."""
    return {name: value for name, value in environ.items() if not SECRET_NAME.search(name) and (
        CERTIFICATES.search(name) or (name in ALLOWED_NAMES or name.startswith(ALLOWED_PREFIXES))
        and not CLOUD_NAME.match(name))}


def secret_values(environ: Mapping[str, str]) -> list[str]:
    """The shell's values to blank out of what a run writes: secret-looking variables and passwords in URLs."""
    values = [value for name, value in environ.items() if SECRET_NAME.search(name)]
    values += _url_passwords(environ.values())
    return [value for value in dict.fromkeys(values) if len(value) >= SHORTEST_SECRET]


def _url_passwords(values: Iterable[str]) -> list[str]:
    """Passwords in URL-valued variables (a proxy's or a package index's ``https://user:password@host``)."""
    passwords = []
    for value in values:
        if "://" in value and "@" in value:
            try:
                password = urlsplit(value).password
            except ValueError:
                continue
            if password:
                passwords.append(password)
    return passwords
