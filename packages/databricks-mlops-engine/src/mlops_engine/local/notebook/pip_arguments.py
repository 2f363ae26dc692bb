"""The arguments of a ``%pip install`` made ready for pip on this machine, and what identifies their result.

Workspace paths (``/Workspace/...``, ``/dbfs/...``, ``dbfs:/...``, ``/Volumes/...``) become the local files
behind them, in the command line and inside requirements files (rewritten to a scratch folder, nested
``-r``/``-c`` files too, relative to the file that names them as pip reads them); other relative paths
stay relative to the notebook's folder, where pip runs as on Databricks. Every local file or folder named
is hashed by content, so a layer built from them is reused only while they are unchanged.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mlops_engine.local.filesystem.paths import local_path
from mlops_engine.local.notebook.cell_error import CellError

WORKSPACE_PREFIXES = ("/Workspace/", "/dbfs/", "/Volumes/", "dbfs:/")
REQUIREMENT_FILE_OPTIONS = {"-r": "-r", "--requirement": "-r", "-c": "-c", "--constraint": "-c",
                            "--build-constraint": "--build-constraint"}
PATH_OPTIONS = {"-e", "--editable", "-f", "--find-links", "--cert", "--client-cert", "--src", "--cache-dir"}
OUTPUT_OPTIONS = {"--report", "--log", "--log-file"}
"""Options whose effect is a file pip writes: an install naming one is built afresh, never served from the cache."""
REFUSED_OPTIONS = {"-t": "--target", "--target": "--target", "--prefix": "--prefix", "--root": "--root",
                   "--python": "--python"}
VALUE_OPTIONS = {*REQUIREMENT_FILE_OPTIONS, *PATH_OPTIONS, *OUTPUT_OPTIONS, *REFUSED_OPTIONS, "-i", "--index-url",
                 "--extra-index-url", "--trusted-host", "--platform", "--python-version", "--implementation", "--abi",
                 "--upgrade-strategy", "--progress-bar", "--root-user-action", "--group", "-C", "--config-settings",
                 "--global-option", "--no-binary", "--only-binary", "--proxy", "--retries", "--timeout",
                 "--exists-action", "--keyring-provider", "--use-feature", "--use-deprecated", "--resume-retries",
                 "--uploaded-prior-to"}
SHORT_WITH_VALUE = ("-r", "-c", "-e", "-f", "-i", "-t", "-C")
ARCHIVES = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar")
SKIPPED_DIRS = {".git", "__pycache__", "build", "dist", ".venv", ".tox", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
MAX_TREE_FILES = 20_000
_COMMENT = re.compile(r"(^|\s+)#.*$")


@dataclass
class InstallArguments:
    """A ``%pip install`` ready to run: pip's arguments, the requirements as the notebook names them, the key."""

    pip: list[str] = field(default_factory=list)
    named: list[str] = field(default_factory=list)
    """What the line asks for, as written (requirements, ``-r file``, ``-e path``): the cell's messages name these."""
    identity: list[str] = field(default_factory=list)
    """The arguments with every local file replaced by its content's hash: what the cached layer is keyed on."""
    find_links: dict[str, Path] = field(default_factory=dict)
    """``--find-links`` folders as written -> the local folder, for the hint of a failed install."""
    uncached: bool = False
    dry_run: bool = False


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_identity(folder: Path) -> str:
    """A folder's files (relative path, size, modification time), for a project folder or a --find-links folder."""
    digest = hashlib.sha256()
    count = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            stat = Path(root, name).stat()
            digest.update(f"{Path(root, name).relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
            count += 1
            if count > MAX_TREE_FILES:
                return f"tree:{folder}:too-many-files"
    return "tree:" + digest.hexdigest()


def path_identity(path: Path) -> str:
    """What a local file or folder is, for the cache key: its content's hash, a folder's listing, or 'missing'."""
    if path.is_file():
        return "file:" + sha256_file(path)
    if path.is_dir():
        return tree_identity(path)
    return f"missing:{path}"


class ArgumentPreparer:
    """Turns the words of ``%pip install ...`` into pip's arguments for this machine (see the module's doc)."""

    def __init__(self, workspace_root: Path, cwd: Path, scratch: Path) -> None:
        self.workspace_root = workspace_root
        self.cwd = cwd
        self.scratch = scratch
        self.result = InstallArguments()
        self._rewritten: dict[Path, tuple[Path, str]] = {}

    def prepare(self, words: list[str]) -> InstallArguments:
        self._words(words, self.cwd, top=True, out=self.result.pip, identity=self.result.identity)
        if not self.result.named:
            raise CellError("%pip install needs a requirement, a file or -r <requirements file>, as pip does")
        return self.result

    def local(self, name: str, base: Path) -> Path:
        """The local file a path names: workspace paths mapped, ``file:`` URLs opened, relative ones under ``base``."""
        if name.startswith(WORKSPACE_PREFIXES) or name.startswith("dbfs:"):
            return local_path(self.workspace_root, name)
        if name.startswith("file:"):
            inner = re.sub(r"^file:(//)?", "", name)
            return self.local(inner, base) if inner.startswith(WORKSPACE_PREFIXES) else Path(inner)
        return (base / Path(name).expanduser()).resolve()

    def _words(self, words: list[str], base: Path, *, top: bool, out: list[str], identity: list[str]) -> None:
        stream = iter(words)
        for word in stream:
            option, value = self._split(word, stream)
            if option is None:
                self._requirement(word, out, identity, top=top)
            elif value is None:
                if option == "--dry-run":
                    self.result.dry_run = self.result.uncached = True
                out.append(option)
                identity.append(option)
            else:
                self._option(option, value, base, out=out, identity=identity, top=top)

    @staticmethod
    def _split(word: str, stream: Iterator[str]) -> tuple[str | None, str | None]:
        """(option, value) of one word (a value option takes the next word when not attached), (None, None) for
        a positional requirement."""
        if not word.startswith("-") or word == "-":
            return None, None
        if word.startswith("--"):
            name, sep, value = word.partition("=")
            if name in VALUE_OPTIONS:
                return name, value if sep else next(stream, "")
            return word, None
        if word[:2] in SHORT_WITH_VALUE:
            return word[:2], word[2:] or next(stream, "")
        return word, None

    def _option(self, option: str, value: str, base: Path, *, out: list[str], identity: list[str],
                top: bool) -> None:
        if option in REFUSED_OPTIONS:
            raise CellError(f"%pip install {REFUSED_OPTIONS[option]} is not supported by the local target: %pip "
                            "installs notebook-scoped libraries into the run's own environment, layered over the "
                            "project's (as Databricks does); remove the option")
        if option in REQUIREMENT_FILE_OPTIONS:
            shown = f"{option} {value}"
            if top:
                self.result.named.append(shown)
            if "://" in value and not value.startswith("file:"):
                out += [option, value]
                identity += [option, value]
                return
            file = self.local(value, base)
            if not file.is_file():
                raise CellError(f"%pip install {shown}: no file at {value}" + (
                    f" (locally {file})" if str(file) != value else ""))
            rewritten, digest = self._requirements_file(file)
            out += [option, str(rewritten)]
            identity += [REQUIREMENT_FILE_OPTIONS[option], f"requirements:{digest}"]
            return
        if option in OUTPUT_OPTIONS:
            self.result.uncached = True
            out += [option, str(self.local(value, self.cwd)) if self._is_path(value) else value]
            identity += [option, value]
            return
        if option in PATH_OPTIONS and ("://" not in value or value.startswith("file:")):
            path = self.local(value, self.cwd)
            if option in {"-f", "--find-links"}:
                beside_file = self.local(value, base)  # pip looks beside a requirements file first
                path = beside_file if beside_file.exists() else path
                self.result.find_links[value] = path
            if option in {"-e", "--editable"} and top:
                self.result.named.append(f"-e {value}")
            out += [option, str(path)]
            identity += [option, path_identity(path)]
            return
        if option in {"-e", "--editable"} and top:
            self.result.named.append(f"-e {value}")
        out += [option, value]
        identity += [option, value]

    def _requirement(self, word: str, out: list[str], identity: list[str], *, top: bool) -> None:
        if top:
            self.result.named.append(word)
        if self._is_path(word):
            path = self.local(word, self.cwd)
            if not path.exists():
                raise CellError(f"%pip install {word}: no file at {word}" + (
                    f" (locally {path})" if str(path) != word else "") + "; deploy or copy it there first")
            if path.suffix == ".egg":
                raise CellError(f"%pip install {word}: an egg cannot be installed by pip; build a wheel")
            out.append(str(path))
            identity.append(path_identity(path))
            return
        mapped = re.sub(r"file:(//)?(/(?:Workspace|dbfs|Volumes)/\S+)",
                        lambda match: "file://" + str(self.local(match.group(2), self.cwd)), word)
        out.append(mapped)
        identity.append(mapped)

    @staticmethod
    def _is_path(word: str) -> bool:
        """Whether a requirement names a local file or folder (pip's own test: a path separator or an archive)."""
        if word.startswith(WORKSPACE_PREFIXES) or word.startswith(("/", "./", "../", "~", "file:")):
            return True
        if "://" in word or "@" in word or word.startswith(("git+", "hg+", "svn+", "bzr+")):
            return False
        return "/" in word or word.endswith(ARCHIVES)

    def _requirements_file(self, file: Path) -> tuple[Path, str]:
        """The file rewritten with workspace paths mapped (nested -r/-c relative to it), and its identity's hash."""
        file = file.resolve()
        if file in self._rewritten:
            return self._rewritten[file]
        self._rewritten[file] = (file, "cycle")  # a file including itself: pip reports it; no endless recursion
        print(f"%pip: requirements from {file}")
        lines: list[str] = []
        identity: list[str] = []
        for line in _logical_lines(file.read_text()):
            stripped = _COMMENT.sub("", line).strip()
            if not stripped:
                continue
            if stripped.startswith("-"):
                words = shlex.split(stripped)
                rewritten: list[str] = []
                self._words(words, file.parent, top=False, out=rewritten, identity=identity)
                lines.append(shlex.join(rewritten))
            else:
                first, _, rest = stripped.partition(" ")
                if self._is_path(first):
                    words: list[str] = []
                    self._requirement(first, words, identity, top=False)
                    first = words[0]
                else:
                    identity.append(first)
                identity.append(rest)
                lines.append(f"{first} {rest}".rstrip())
        digest = hashlib.sha256("\n".join(identity).encode()).hexdigest()
        target = self.scratch / f"requirements-{digest[:16]}.txt"
        target.write_text("\n".join(lines) + "\n")
        self._rewritten[file] = (target, digest)
        return target, digest


def _logical_lines(text: str) -> list[str]:
    """A requirements file's lines with backslash continuations joined, as pip reads them."""
    lines: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.endswith("\\") and not _COMMENT.search(line):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    if pending:
        lines.append(pending)
    return lines
