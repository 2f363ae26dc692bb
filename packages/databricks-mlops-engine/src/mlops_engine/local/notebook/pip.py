"""``%pip`` on the local target: what a notebook asks to install is checked against this environment, offline.

Databricks' ``%pip`` downloads from an index; this machine cannot, so a requirement is met by what
the project's environment already has (a version pin or range must hold), a local wheel, or a
workspace path (``/Workspace/...``, ``/dbfs/...``, ``/Volumes/...``), or the newest matching wheel in a
``--find-links`` folder (the generated notebooks install their own library that way, from the folder
``conf/install_library`` names). A wheel is installed without its dependencies into the run's own
folder, put first on ``sys.path`` (before the libraries a submitted run attaches, as notebook-scoped
libraries take precedence on Databricks); the shared environment is never changed. Anything else
fails the cell saying what cannot be verified offline.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from mlops_engine.local.filesystem.paths import local_path
from mlops_engine.local.notebook.cell_error import CellError

WORKSPACE_PREFIXES = ("/Workspace/", "/dbfs/", "/Volumes/", "dbfs:/")
SKIPPED_OPTIONS = {"-U", "--upgrade", "-q", "--quiet", "-qq", "-Uq", "-qU", "--force-reinstall", "--no-deps",
                   "--pre", "--no-cache-dir", "--disable-pip-version-check", "--user", "-I", "--ignore-installed",
                   "--no-index"}
VALUE_OPTIONS = {"-i", "--index-url", "--extra-index-url", "--upgrade-strategy", "-f", "--find-links",
                 "--trusted-host", "-c", "--constraint"}
LINK_OPTIONS = {"-f", "--find-links"}


class PipInstaller:
    """Checks and installs what a ``%pip install`` names, relative to the notebook's folder."""

    def __init__(self, workspace_root: Path, site_packages: Path, cwd: Path) -> None:
        self.workspace_root = workspace_root
        self.site_packages = site_packages
        self.cwd = cwd
        self.find_links: list[str] = []
        self.no_index = False
        self.no_deps = False

    def run(self, line: str) -> None:
        """``%pip <words>`` after ``$`` expansion: ``install`` checked, ``list``/``show``/``freeze`` answered."""
        words = shlex.split(line, comments=True)
        if not words:
            raise CellError("%pip needs a command, e.g. %pip install <package>")
        command, arguments = words[0], words[1:]
        if command in {"list", "show", "freeze"}:
            subprocess.run([sys.executable, "-m", "pip", command, *arguments, "--path", str(self.site_packages),
                            "--disable-pip-version-check"] if command != "show" else
                           [sys.executable, "-m", "pip", "show", *arguments], check=False)
            return
        if command != "install":
            raise CellError(f"%pip {command}: the local target only checks `%pip install` against this environment; "
                            "it never changes the project's environment")
        self.no_index = "--no-index" in arguments
        self.no_deps = "--no-deps" in arguments
        items = list(self._items(arguments, self.cwd))
        problems = [problem for item in items if (problem := self._install(item))]
        if problems:
            raise CellError(f"%pip install refused: {'; '.join(problems)}")

    def _items(self, arguments: list[str], base: Path) -> Iterator[str]:
        words = iter(arguments)
        for word in words:
            if word in {"-r", "--requirement"} or word.startswith(("-r", "--requirement=")):
                name = word.partition("=")[2] if word.startswith("--requirement=") else (word[2:] or next(words, ""))
                yield from self._requirements_file(name, base)
            elif word in {"-e", "--editable"}:
                yield next(words, "")
            elif word in LINK_OPTIONS or word.startswith(("-f=", "--find-links=")):
                self.find_links.append(word.partition("=")[2] if "=" in word else next(words, ""))
            elif word in VALUE_OPTIONS:
                next(words, None)
            elif word.startswith("-"):
                if word not in SKIPPED_OPTIONS and not word.startswith(tuple(f"{o}=" for o in VALUE_OPTIONS)):
                    print(f"note: %pip option {word} has no effect on the local target")
            else:
                yield word

    def _requirements_file(self, name: str, base: Path) -> Iterator[str]:
        file = self._file(name, base)
        if not file.is_file():
            raise CellError(f"%pip install -r {name}: no file at {file}")
        print(f"%pip: requirements from {file}")
        lines = [line.split(" #", 1)[0].strip() for line in file.read_text().splitlines()]
        yield from self._items([word for line in lines if line and not line.startswith("#")
                                for word in shlex.split(line)], file.parent)

    def _file(self, name: str, base: Path) -> Path:
        if name.startswith(WORKSPACE_PREFIXES):
            return local_path(self.workspace_root, name)
        if name.startswith("file:"):
            return Path(name.removeprefix("file:").removeprefix("//"))
        return (base / Path(name).expanduser()).resolve()

    def _install(self, item: str) -> str:
        """'' when ``item`` is satisfied or installed, else why not."""
        if "://" in item and not item.startswith("dbfs:/") or item.startswith("git+"):
            return f"{item} must be downloaded, which the local target cannot do offline"
        if item.startswith(WORKSPACE_PREFIXES) or "/" in item or item.endswith((".whl", ".tar.gz", ".zip")):
            return self._install_file(item)
        if self.find_links:
            return self._install_from_links(item)
        if self.no_index:
            return f"{item}: --no-index without --find-links leaves pip nowhere to install from"
        return check_requirement(item, self.site_packages)

    def _install_from_links(self, item: str) -> str:
        """``--find-links <folder> <name>``: pip's own choice of the newest matching wheel in the folder(s)."""
        try:
            name = canonicalize_name(Requirement(item).name)
        except InvalidRequirement as error:
            return f"{item!r} is not a requirement pip understands ({error})"
        remote = [link for link in self.find_links if "://" in link and not link.startswith("file:")]
        if remote and self.no_index:
            return f"--find-links {remote[0]} must be downloaded, which the local target cannot do offline"
        folders = {link: self._file(link, self.cwd) for link in self.find_links if link not in remote}
        wheels = [wheel for folder in folders.values() if folder.is_dir() for wheel in sorted(folder.glob("*.whl"))
                  if wheel_name(wheel) == name]
        if not wheels:
            shown = ", ".join(f"{link} (locally {folder})" for link, folder in folders.items())
            if self.no_index:
                return (f"no {name} wheel in --find-links {shown} and --no-index allows no other source: "
                        "deploy the library to that folder first (invoke deploy --branch <branch>)")
            print(f"%pip: no {name} wheel in {shown}; the package index cannot be reached offline")
            return check_requirement(item, self.site_packages)
        links = [arg for folder in folders.values() for arg in ("--find-links", str(folder))]
        return self._pip_install([item, *links], name, ", ".join(folders), wheels)

    def _install_file(self, item: str) -> str:
        file = self._file(item, self.cwd)
        if not file.exists():
            return f"no file at {item} (locally {file}); deploy or copy it there first"
        if file.suffix == ".egg":
            return f"{item} is an egg, which pip cannot install; build a wheel"
        return self._pip_install([str(file)], canonicalize_name(wheel_name(file) or file.stem), item)

    def _pip_install(self, arguments: list[str], name: str, source: str, wheels: list[Path] | None = None) -> str:
        """Run pip offline into the run's own folder; '' when installed, else why not."""
        self.site_packages.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--no-build-isolation", "--upgrade",
             "--disable-pip-version-check", "--quiet", "--target", str(self.site_packages), *arguments],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            return f"pip could not install {arguments[0]} from {source}: {result.stderr.strip().splitlines()[-1:]}"
        if str(self.site_packages) not in sys.path:
            sys.path.insert(0, str(self.site_packages))
        importlib.invalidate_caches()
        installed = {canonicalize_name(dist.metadata["Name"]): dist
                     for dist in importlib.metadata.distributions(path=[str(self.site_packages)])}
        dist = installed.get(name)
        chosen = [wheel.name for wheel in wheels or []
                  if dist and parse_wheel_filename(wheel.name)[1] == Version(dist.version)]
        what = chosen[0] if chosen else f"{name} {dist.version}" if dist else name
        print(f"%pip: installed {what} from {source} into this run's {self.site_packages} "
              "(not the project's environment)")
        if self.no_deps or dist is None:
            return ""
        missing = [problem for dependency in dist.requires or []
                   if (problem := check_requirement(dependency, quiet=True))]
        return f"{name} needs {'; '.join(missing)}" if missing else ""


def check_requirement(spec: str, run_site_packages: Path | None = None, *, quiet: bool = False) -> str:
    """'' when the environment satisfies ``spec`` (name, pin or range), else what is wrong and what to do.

    A distribution a ``%pip`` of this run installed (in ``run_site_packages``) has its own requirements
    checked too, as pip would resolve them; those of the project's environment were resolved when it was built.
    """
    try:
        requirement = Requirement(spec)
    except InvalidRequirement as error:
        return f"{spec!r} is not a requirement pip understands ({error})"
    if requirement.marker is not None and not requirement.marker.evaluate(default_environment() | {"extra": ""}):
        return ""
    try:
        dist = importlib.metadata.distribution(requirement.name)
    except importlib.metadata.PackageNotFoundError:
        return (f"{requirement.name} is not installed locally and this machine cannot download it: add it to "
                "requirements-dev.txt and reinstall the project's environment")
    installed = dist.version
    if requirement.specifier and not requirement.specifier.contains(installed, prereleases=True):
        return (f"{spec} asked, {requirement.name} {installed} installed locally (this machine cannot download "
                "another version: align the pin with requirements-dev.txt)")
    where = Path(str(dist.locate_file("")))
    in_run = run_site_packages is not None and where.resolve() == run_site_packages.resolve()
    if in_run:
        missing = [problem for dependency in dist.requires or []
                   if (problem := check_requirement(dependency, quiet=True))]
        if missing:
            return f"{requirement.name} needs {'; '.join(missing)}"
    if not quiet:
        origin = f", installed in this run's {where}" if in_run else " of the project's environment"
        print(f"%pip: {spec} satisfied by {requirement.name} {installed}{origin}"
              + ("" if requirement.specifier else " (an upgrade cannot be checked offline)"))
    return ""


def wheel_name(file: Path) -> str | None:
    """The canonical project name in a wheel's file name, or None when it is not a wheel's name."""
    try:
        return canonicalize_name(parse_wheel_filename(file.name)[0])
    except InvalidWheelFilename:
        return None
