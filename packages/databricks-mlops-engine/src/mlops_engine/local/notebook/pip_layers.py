"""Notebook-scoped libraries on the local target: each ``%pip install`` builds (or reuses) a cached layer.

On Databricks a notebook gets its own Python environment layered over the cluster's: ``%pip install``
downloads into it, what the cluster already has is not installed again, a library installed for the
notebook takes precedence, and the executors' Python workers see it too. Locally a run's environment is
a stack of *layers* over the project's environment, one per ``%pip install``:

* a layer is a virtual environment (no pip of its own) whose interpreter sees the layers below it and the
  project's site-packages (``mlops-layer-view.txt``, read by ``_mlops_layer_view.pth``); pip runs with
  that interpreter and installs only what is missing or of another version. The project's distributions
  are outside the layer's environment, so pip never uninstalls or changes them (``--prefix`` or
  ``--target`` would: the first uninstalls a version it replaces, the second reinstalls everything);
* it is keyed by the install's arguments (local files by content), pip's configuration, the interpreter,
  the project's installed distributions and the layers below it; it is built once in a temporary folder
  beside the cache, under a file lock, and renamed into place, so a repeat is served from the cache in
  milliseconds and a failed build leaves nothing behind. The cache is ``$MLOPS_PIP_LAYER_CACHE``, else
  ``$XDG_CACHE_HOME`` or the account's ``~/.cache``, ``/databricks-mlops-engine/pip``; layers unused for
  30 days are removed;
* a layer with something installed is linked from the run's ``site-packages`` folder (``layer-<key>``), and
  that link goes first on the run's paths and Spark's Python workers' (``pip_runtime``).

The layers of a run are listed in ``.runs/<id>/pip-layers.json``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import os
import shutil
import sys
import time
import uuid
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from mlops_engine.local.notebook.pip_arguments import InstallArguments
from mlops_engine.local.notebook.pip_environment import (
    cache_root,
    environment_identity,
    layer_site,
    pip_config_identity,
    project_site_dirs,
    run_pip,
)
from mlops_engine.local.notebook.pip_runtime import activate, forget_modules

LAYER_FORMAT = 1
RECORD_FILE = "pip-layers.json"
META_FILE = "mlops-layer.json"
VIEW_FILE = "mlops-layer-view.txt"
VIEW_MODULE = "_mlops_layer_view"
LAST_USED = "last-used"
UNUSED_DAYS = 30
VIEW_MODULE_SOURCE = '''"""A layer's interpreter sees the layers below it and the project's environment.

Only a layer's interpreter has the view file in its prefix; in any other this module does nothing."""
import os as _os
import site as _site
import sys as _sys

_view = _os.path.join(_sys.prefix, "mlops-layer-view.txt")
if _os.path.isfile(_view):
    with open(_view) as _file:
        for _path in _file.read().splitlines():
            if _path:
                _site.addsitedir(_path)
'''


@dataclass(frozen=True)
class Layer:
    """One built layer in the cache."""

    key: str
    path: Path

    @property
    def site(self) -> Path:
        return layer_site(self.path)

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def scripts(self) -> Path:
        return self.path / "scripts"

    @property
    def meta(self) -> dict[str, Any]:
        try:
            return json.loads((self.path / META_FILE).read_text())
        except (OSError, ValueError):
            return {}

    @property
    def installed(self) -> list[str]:
        """``name version`` of each distribution the layer holds."""
        return list(self.meta.get("installed", []))


@contextlib.contextmanager
def _lock(file: Path) -> Iterator[None]:
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("%pip: another run is building the same layer; waiting for it", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class RunLayers:
    """The layers of one run, oldest first, recorded beside the run's ``site-packages`` folder."""

    def __init__(self, run_site_packages: Path) -> None:
        self.run_site_packages = run_site_packages
        self.record = run_site_packages.parent / RECORD_FILE
        try:
            entries = json.loads(self.record.read_text())["layers"]
        except (OSError, ValueError, KeyError):
            entries = []
        self.entries: list[dict[str, str]] = entries
        self.layers = [Layer(entry["key"], Path(entry["path"])) for entry in entries if Path(entry["path"]).is_dir()]

    def python(self) -> str:
        """The interpreter that sees the run's whole environment: the newest layer's, else the project's."""
        return str(self.layers[-1].python) if self.layers else sys.executable

    def key(self, arguments: InstallArguments) -> str:
        material = {"format": LAYER_FORMAT, "arguments": arguments.identity, "environment": environment_identity(),
                    "pip": pip_config_identity(), "below": [layer.key for layer in self.layers],
                    "nonce": uuid.uuid4().hex if arguments.uncached else ""}
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:32]

    def install(self, arguments: InstallArguments, line: str, cwd: Path) -> Layer | None:
        """Serve the install from the cache or build its layer, then put it on this run's paths."""
        started = time.perf_counter()
        root = cache_root()
        key = self.key(arguments)
        layer = Layer(key, root / key)
        what = " ".join(arguments.named)
        if arguments.dry_run:
            self._build(layer, arguments, cwd, dry_run=True)
            return None
        if layer.path.is_dir():
            served = "from the cache"
        else:
            with _lock(root / f"{key}.lock"):
                served = "from the cache" if layer.path.is_dir() else ""
                if not served:
                    self._build(layer, arguments, cwd)
            if not served:
                _prune(root, keep=key)
        with contextlib.suppress(OSError):
            (layer.path / LAST_USED).touch()
        self.entries.append({"key": key, "path": str(layer.path), "line": line})
        self.layers.append(layer)
        self.record.parent.mkdir(parents=True, exist_ok=True)
        self.record.write_text(json.dumps({"layers": self.entries}, indent=2) + "\n")
        if layer.installed:
            activate(self._link(layer), layer.scripts, self.run_site_packages)
        installed, meta = layer.installed, layer.meta
        elapsed = f"{time.perf_counter() - started:.2f} s"
        origin = f"{served} ({elapsed}, built {meta.get('built', '?')})" if served else f"in {elapsed}"
        if installed:
            print(f"%pip: {what}: installed {', '.join(installed)} {origin} into this run's notebook-scoped "
                  f"environment ({layer.site}); the project's environment is unchanged", flush=True)
        else:
            print(f"%pip: {what}: already satisfied by the project's environment or an earlier %pip of this run "
                  f"({origin}); nothing installed", flush=True)
        for where, names in meta.get("shadowed", {}).items():
            if names:
                print(f"%pip: in this run, {', '.join(names)} of this layer take(s) precedence over the version(s) "
                      f"{where} installed (which stay unchanged)", flush=True)
        return layer

    def _link(self, layer: Layer) -> Path:
        """The layer's site-packages as the run sees it: a link in the run's own folder (what ``__file__`` shows)."""
        link = self.run_site_packages / f"layer-{layer.key[:16]}"
        if not link.is_dir():
            self.run_site_packages.mkdir(parents=True, exist_ok=True)
            link.unlink(missing_ok=True)
            link.symlink_to(layer.site, target_is_directory=True)
        return link

    def _build(self, layer: Layer, arguments: InstallArguments, cwd: Path, *, dry_run: bool = False) -> None:
        """Build ``layer`` in a temporary folder beside it and rename it into place; nothing is left on failure."""
        temporary = layer.path.with_name(f".build-{layer.key}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            self._create(temporary)
            bin_before = set(os.listdir(temporary / "bin"))
            command = [str(temporary / "bin" / "python"), "-m", "pip", "install", *arguments.pip]
            run_pip(command, cwd, arguments)
            if dry_run:
                return
            new_scripts = sorted(set(os.listdir(temporary / "bin")) - bin_before)
            _finish_scripts(temporary, layer.path, new_scripts)
            site_dir = layer_site(temporary)
            dists = {canonicalize_name(dist.metadata["Name"]): f"{dist.metadata['Name']} {dist.version}"
                     for dist in importlib.metadata.distributions(path=[str(site_dir)])}
            installed = sorted(dists.values())
            shadowed = {where: sorted(set(dists) & {canonicalize_name(dist.metadata["Name"])
                                                    for dist in importlib.metadata.distributions(path=folders)})
                        for where, folders in (("the project's environment", project_site_dirs()),
                                               ("an earlier %pip of this run",
                                                [str(layer.site) for layer in self.layers if layer.installed]))}
            (temporary / META_FILE).write_text(json.dumps({
                "format": LAYER_FORMAT, "key": layer.key, "arguments": arguments.pip, "installed": installed,
                "shadowed": shadowed, "built": time.strftime("%Y-%m-%d %H:%M:%S"),
            }, indent=2) + "\n")
            try:
                temporary.rename(layer.path)
            except OSError:
                if not layer.path.is_dir():
                    raise
        finally:
            shutil.rmtree(temporary, ignore_errors=True)

    def _create(self, prefix: Path) -> None:
        """A virtual environment without pip whose interpreter sees the layers below and the project's environment."""
        venv.EnvBuilder(symlinks=True, with_pip=False).create(prefix)
        for activate_script in (prefix / "bin").glob("[Aa]ctivate*"):
            activate_script.unlink()
        view = [str(layer.site) for layer in reversed(self.layers) if layer.installed] + project_site_dirs()
        (prefix / VIEW_FILE).write_text("\n".join(view) + "\n")
        site_dir = layer_site(prefix)
        (site_dir / f"{VIEW_MODULE}.py").write_text(VIEW_MODULE_SOURCE)
        (site_dir / f"{VIEW_MODULE}.pth").write_text(f"import {VIEW_MODULE}\n")
        project_config = Path(sys.prefix, "pip.conf")  # the project's environment's own pip configuration
        if project_config.is_file():
            shutil.copy(project_config, prefix / "pip.conf")


def _finish_scripts(temporary: Path, final: Path, names: list[str]) -> None:
    """The console scripts pip wrote name the temporary folder's interpreter: point them at the final one, and
    link them (not the layer's python or pip) from ``scripts/``, which goes on PATH."""
    scripts = temporary / "scripts"
    scripts.mkdir()
    old, new = str(temporary).encode(), str(final).encode()
    for name in names:
        file = temporary / "bin" / name
        if file.is_file() and not file.is_symlink() and file.stat().st_size < 1 << 20:
            data = file.read_bytes()
            if data.startswith(b"#!") and old in data:
                file.write_bytes(data.replace(old, new))
        if not name.startswith(("python", "pip")):
            (scripts / name).symlink_to(Path("..", "bin", name))


def _prune(root: Path, keep: str) -> None:
    """Remove layers unused for ``UNUSED_DAYS`` days, and builds that a killed run left behind a day ago."""
    now = time.time()
    for entry in root.iterdir():
        with contextlib.suppress(OSError):
            if entry.name.startswith(".build-") and now - entry.stat().st_mtime > 86400:
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.is_dir() and entry.name != keep and not entry.name.startswith("."):
                used = entry / LAST_USED
                stamp = used.stat().st_mtime if used.exists() else entry.stat().st_mtime
                if now - stamp > UNUSED_DAYS * 86400:
                    with (root / f"{entry.name}.lock").open("a") as handle:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # not while a run builds it again
                        shutil.rmtree(entry, ignore_errors=True)


def forget_installed_modules(run_site_packages: Path) -> None:
    """``restartPython()``: what the run's ``%pip`` installed (or shadows) is imported afresh by the next import;
    a package with compiled extensions already loaded stays as it is, and is named."""
    folders = [layer.site for layer in RunLayers(run_site_packages).layers if layer.installed]
    dropped, kept = forget_modules([*folders, run_site_packages])
    if dropped:
        print(f"restartPython: {', '.join(dropped)} will be imported afresh (from this run's %pip layers)", flush=True)
    if kept:
        print(f"restartPython: {', '.join(kept)} stay as first imported: compiled extensions cannot be loaded twice in "
              "one process (Databricks starts a new one); a new run imports the installed version", flush=True)
