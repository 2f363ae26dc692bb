"""Where pip runs for ``%pip`` on the local target: its configuration, its environment variables, the project's
environment it layers over, and what it says when it fails.

pip is configured as on this machine (its configuration files, ``PIP_*`` variables, e.g. ``PIP_INDEX_URL`` or
``PIP_FIND_LINKS``): nothing here names an index. It runs with the account's home (a run has a ``$HOME`` of its
own; pip's user configuration and download cache are the account's) and without the settings that would
install elsewhere than the run's layer (``PIP_TARGET``, ``PIP_PREFIX``, ``PIP_ROOT``, ``PIP_USER``).
"""

from __future__ import annotations

import os
import pwd
import re
import site
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path

from mlops_engine.local.notebook.cell_error import CellError
from mlops_engine.local.notebook.pip_arguments import InstallArguments, path_identity

CACHE_ENV = "MLOPS_PIP_LAYER_CACHE"
VOLATILE_PIP_SETTINGS = {"PIP_DEFAULT_TIMEOUT", "PIP_TIMEOUT", "PIP_RETRIES", "PIP_PROGRESS_BAR", "PIP_QUIET",
                         "PIP_VERBOSE", "PIP_NO_COLOR", "PIP_LOG", "PIP_LOG_FILE", "PIP_CACHE_DIR", "PIP_NO_CACHE_DIR",
                         "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_NO_INPUT", "PIP_ROOT_USER_ACTION"}
"""pip settings that change how pip talks, not what it installs: not part of a layer's key."""
REDIRECTING_PIP_SETTINGS = ("PIP_TARGET", "PIP_PREFIX", "PIP_ROOT", "PIP_USER", "PIP_PYTHON")
"""pip settings that would install somewhere else than the layer: not passed to pip."""
UNINSTALL_NOISE = re.compile(r"^\s*(Found existing installation: |Attempting uninstall: |Not uninstalling |"
                             r"Can't uninstall '|No files were found to uninstall)")
NETWORK_TROUBLE = re.compile(r"NewConnectionError|Failed to establish a new connection|Could not fetch URL|"
                             r"ConnectTimeout|ReadTimeout|Name or service not known|Temporary failure in name "
                             r"resolution|ProxyError|SSLError|Connection refused|Network is unreachable")


def account_home() -> Path:
    """The account's home, not ``$HOME``: local runs give each run a HOME of its own."""
    return Path(pwd.getpwuid(os.getuid()).pw_dir)


def cache_root() -> Path:
    """Where layers are kept: ``$MLOPS_PIP_LAYER_CACHE``, else the user's cache folder."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME") or account_home() / ".cache") / "databricks-mlops-engine" / "pip"


def layer_site(prefix: Path) -> Path:
    """The site-packages folder of the virtual environment at ``prefix``."""
    scheme = "venv" if "venv" in sysconfig.get_scheme_names() else None
    if scheme is None:
        return prefix / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    return Path(sysconfig.get_path("purelib", scheme, vars={"base": str(prefix), "platbase": str(prefix)}))


def project_site_dirs() -> list[str]:
    """The project environment's site-packages folders (the venv's, the user's when Python reads it)."""
    folders = list(site.getsitepackages())
    user = site.getusersitepackages()
    if site.ENABLE_USER_SITE and user and Path(user).is_dir():
        folders.append(user)
    return [folder for folder in dict.fromkeys(folders) if Path(folder).is_dir()]


def environment_identity() -> list[str]:
    """The interpreter and the project's installed distributions: a layer resolved over them fits only them."""
    base = getattr(sys, "_base_executable", sys.executable)
    found = [sys.version, sys.prefix, os.path.realpath(base), sysconfig.get_platform()]
    for folder in project_site_dirs():
        found.append(folder)
        found += sorted(name for name in os.listdir(folder) if name.endswith((".dist-info", ".egg-info", ".egg-link")))
    return found


def _config_files() -> list[Path]:
    home = account_home()
    config_dirs = os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep)
    files = [Path(folder, "pip", "pip.conf") for folder in config_dirs if folder] + [Path("/etc/pip.conf")]
    files += [home / ".pip" / "pip.conf", Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "pip" /
              "pip.conf", Path(sys.prefix, "pip.conf")]
    if os.environ.get("PIP_CONFIG_FILE"):
        files.append(Path(os.environ["PIP_CONFIG_FILE"]))
    return files


def pip_config_identity() -> list[str]:
    """pip's configuration (its files, its ``PIP_*`` variables, local ``PIP_FIND_LINKS`` folders' contents)."""
    found = [f"{file}={path_identity(file)}" for file in _config_files() if file.is_file()]
    for name, value in sorted(os.environ.items()):
        if name.startswith("PIP_") and name not in VOLATILE_PIP_SETTINGS:
            found.append(f"{name}={value}")
            if name == "PIP_FIND_LINKS":
                found += [path_identity(Path(link)) for link in value.split() if link.startswith("/")]
    return found


def pip_environment() -> dict[str, str]:
    """The variables pip runs with: the run's, with the account's home (pip's user configuration and download
    cache) and nothing that would send the install elsewhere than the layer."""
    env = {name: value for name, value in os.environ.items()
           if name not in REDIRECTING_PIP_SETTINGS and name != "PYTHONPATH"}
    env["HOME"] = str(account_home())
    env.setdefault("PIP_NO_INPUT", "1")
    env.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    return env


def run_pip(command: list[str], cwd: Path, arguments: InstallArguments) -> None:
    """Run pip, its output shown as it comes (without its notes about the project's distributions it leaves alone
    outside the layer); a failure raises the cell's error with the requirements and pip's reason."""
    process = subprocess.Popen(command, cwd=cwd, env=pip_environment(), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.extend(process.stderr or []), daemon=True)
    reader.start()
    for line in process.stdout or []:
        if not UNINSTALL_NOISE.match(line):
            print(line, end="", flush=True)
    code = process.wait()
    reader.join()
    if code != 0:
        raise CellError(f"%pip install {' '.join(arguments.named)} failed: {pip_reason(errors, arguments)}")
    for line in errors:
        if line.strip() and not UNINSTALL_NOISE.match(line):
            print(line, end="", flush=True)


def pip_reason(errors: list[str], arguments: InstallArguments | None = None) -> str:
    """pip's own reason for a failure: its error lines (and what it said about the network), not a traceback."""
    lines = [line.rstrip() for line in errors if line.strip()]
    start = next((index for index, line in enumerate(lines)
                  if re.match(r"\s*(ERROR|error):|\s*×", line)), max(len(lines) - 5, 0))
    reason = [line.strip() for line in lines[start:]
              if not line.strip().startswith(("hint:", "note:")) and not NETWORK_TROUBLE.search(line)][:20]
    network = [line for line in lines if NETWORK_TROUBLE.search(line)]
    if network:
        cause = re.search(r"(Failed to establish a new connection: [^\"')]*|Connection refused|Name or service not "
                          r"known|Temporary failure in name resolution|timed out|Network is unreachable|"
                          r"SSLError\([^)]*|ProxyError\([^)]*)", network[-1])
        reason.insert(0, f"the package index could not be reached ({cause.group(1) if cause else network[-1]})")
    if arguments is not None and any("No matching distribution" in line for line in reason):
        for written, folder in arguments.find_links.items():
            wheels = sorted(wheel.name for wheel in folder.glob("*.whl")) if folder.is_dir() else []
            where = f"--find-links {written}" + (f" (locally {folder})" if str(folder) != written else "")
            reason.append(f"{where} {'holds ' + ', '.join(wheels[:5]) if wheels else 'holds no wheel'}"
                          if folder.is_dir() else f"{where} does not exist: deploy the library there first")
    return "\n  ".join(reason) if reason else "pip failed without saying why"
