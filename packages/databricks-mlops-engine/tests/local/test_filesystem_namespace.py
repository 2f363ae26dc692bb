"""One filesystem for every process: the namespace a run starts in mounts the workspace at /dbfs, /Volumes,
/Workspace and /databricks-datasets (read-only) for any program, and keeps everything else as it is; without one,
the run's Python maps the paths itself and shell commands naming them fail saying why. Real processes throughout."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_engine.local.filesystem.fuse import child_view_problem, install_path_mapping, uninstall_path_mapping
from mlops_engine.local.filesystem.namespace import (
    ROOT_ENV,
    SWITCH_ENV,
    UNAVAILABLE_ENV,
    Launch,
    launch,
    mounted,
)
from mlops_engine.local.filesystem.paths import SampleDatasetMissing
from mlops_engine.local.notebook.cell_error import CellError
from mlops_engine.local.notebook.shell import bang_line, check_mounts, shell_cell


def workspace(root: Path) -> Path:
    """A workspace folder with a file in DBFS, a volume, a notebook folder and a sample dataset."""
    for folder, text in (("dbfs/tmp", "dbfs"), ("Volumes/main/raw/files", "volume"), ("Shared", "workspace"),
                         ("databricks-datasets/samples", "sample")):
        (root / folder).mkdir(parents=True)
        (root / folder / "x.csv").write_text(f"name\n{text}\n")
    return root


def namespace_of(root: Path, environ: dict[str, str] | None = None) -> Launch:
    """The namespace of ``root``; skipped where this machine cannot make one (failed on CI, which installs bwrap)."""
    mounts = launch(root, environ)
    if mounts.unavailable:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"no filesystem namespace here: {mounts.unavailable}")
    return mounts


def run(mounts: Launch, script: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(mounts.wrap(["bash", "-c", script]), capture_output=True, text=True, timeout=60,
                          env={**os.environ, **mounts.environment}, **kwargs)  # type: ignore[call-overload]


def test_every_program_sees_the_workspace_at_the_databricks_paths(tmp_path: Path) -> None:
    mounts = namespace_of(workspace(tmp_path / "ws"))
    done = run(mounts, "cat /dbfs/tmp/x.csv /Volumes/main/raw/files/x.csv /Workspace/Shared/x.csv "
                       "/databricks-datasets/samples/x.csv | grep -v name; echo made > /dbfs/tmp/new.txt")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["dbfs", "volume", "workspace", "sample"]
    assert (tmp_path / "ws" / "dbfs" / "tmp" / "new.txt").read_text() == "made\n"


def test_sample_datasets_are_read_only_and_the_root_is_not_a_scratch_folder(tmp_path: Path) -> None:
    mounts = namespace_of(workspace(tmp_path / "ws"))
    for target in ("/databricks-datasets/samples/new.csv", "/new-top-level-file"):
        done = run(mounts, f"touch {target}")
        assert done.returncode != 0 and "Read-only file system" in done.stderr, (target, done)
    assert not (tmp_path / "ws" / "databricks-datasets" / "samples" / "new.csv").exists()


def test_identity_network_processes_environment_and_folder_are_kept(tmp_path: Path) -> None:
    mounts = namespace_of(workspace(tmp_path / "ws"))
    (tmp_path / "here").mkdir()
    probe = ("import json, os; print(json.dumps({'uid': os.getuid(), 'cwd': os.getcwd(), 'env': os.environ['PROBE'],"
             " 'pid': os.readlink('/proc/self/ns/pid'), 'net': os.readlink('/proc/self/ns/net'),"
             " 'mnt': os.readlink('/proc/self/ns/mnt'), 'tmp': sorted(os.listdir('/tmp')) == sorted(os.listdir('/tmp'))"
             ", 'ppid_alive': os.path.exists(f'/proc/{os.getppid()}')}))")
    done = subprocess.run(mounts.wrap([sys.executable, "-c", probe]), capture_output=True, text=True, timeout=60,
                          cwd=tmp_path / "here", env={**os.environ, "PROBE": "kept", **mounts.environment})
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["uid"] == os.getuid() and seen["cwd"] == str(tmp_path / "here") and seen["env"] == "kept"
    assert seen["pid"] == os.readlink("/proc/self/ns/pid") and seen["net"] == os.readlink("/proc/self/ns/net")
    assert seen["mnt"] != os.readlink("/proc/self/ns/mnt") and seen["ppid_alive"]
    (tmp_path / "marker").write_text("shared /tmp")
    assert run(mounts, f"cat {tmp_path / 'marker'}").stdout == "shared /tmp"


def test_a_process_inside_knows_it_and_starts_its_children_without_a_second_namespace(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    mounts = namespace_of(root)
    assert mounts.environment[ROOT_ENV] == str(root.resolve()) and not mounted(root)
    code = ("import json, sys; from pathlib import Path; from mlops_engine.local.filesystem.namespace import launch, "
            "mounted; inner = launch(Path(sys.argv[1])); print(json.dumps([mounted(Path(sys.argv[1])), inner.prefix]))")
    done = subprocess.run(mounts.wrap([sys.executable, "-c", code, str(root)]), capture_output=True, text=True,
                          timeout=60, env={**os.environ, **mounts.environment})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [True, []]


def test_a_real_dbfs_on_the_machine_is_never_hidden_silently(tmp_path: Path) -> None:
    """Inside a namespace of workspace A, /dbfs exists: for a stranger (no LOCAL_FS_ROOT) it is the machine's own and
    a namespace for workspace B refuses to hide it; for a run of A it is A's mount, and B's namespace nests."""
    first, second = workspace(tmp_path / "a"), workspace(tmp_path / "b")
    (second / "dbfs" / "tmp" / "x.csv").write_text("name\nsecond\n")
    mounts = namespace_of(first)
    code = ("import subprocess, sys; from pathlib import Path\n"
            "from mlops_engine.local.filesystem.namespace import launch\n"
            "try:\n    inner = launch(Path(sys.argv[1]))\n"
            "except Exception as error:\n    print(type(error).__name__, error)\n"
            "else:\n    print(subprocess.run(inner.wrap(['cat', '/dbfs/tmp/x.csv']), capture_output=True, "
            "text=True).stdout)")
    seen = []
    for outer in ("", str(first.resolve())):
        done = subprocess.run(mounts.wrap([sys.executable, "-c", code, str(second)]), capture_output=True, text=True,
                              timeout=60, env={**os.environ, **mounts.environment, ROOT_ENV: outer})
        assert done.returncode == 0, done.stderr
        seen.append(done.stdout)
    assert seen[0].startswith("MountConflict /dbfs, /Volumes, /Workspace, /databricks-datasets already exist on this "
                              "machine"), seen[0]
    assert f"set {SWITCH_ENV}=0 to run without the namespace" in seen[0]
    assert seen[1] == "name\nsecond\n\n"


def test_without_the_namespace_the_reason_travels_with_the_run(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    off = launch(root, {**os.environ, SWITCH_ENV: "0"})
    assert off.prefix == () and off.wrap(["x"]) == ["x"]
    assert "LOCAL_FS_NAMESPACE=0 turns the filesystem namespace off" in off.environment[UNAVAILABLE_ENV]
    missing = launch(root, {"PATH": str(tmp_path / "no-bwrap-here")})
    assert missing.prefix == () and "apt-get install bubblewrap" in missing.unavailable


def test_outside_the_namespace_python_maps_the_paths_and_shell_lines_naming_them_fail_loudly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = workspace(tmp_path / "ws")
    monkeypatch.setenv(UNAVAILABLE_ENV, "bubblewrap (bwrap) is not installed: install it")
    install_path_mapping(root)
    try:
        install_path_mapping(root)  # a second install (restartPython) does not repeat the note
        assert open("/dbfs/tmp/x.csv").read() == "name\ndbfs\n"
        assert capsys.readouterr().out.count("mapped for this run's Python only") == 1
        assert child_view_problem() == "bubblewrap (bwrap) is not installed: install it"
        with pytest.raises(CellError, match=r"%sh names /dbfs, which only this run's Python sees .* because "
                                            r"bubblewrap \(bwrap\) is not installed: install it"):
            shell_cell("head /dbfs/tmp/x.csv", tmp_path)
        with pytest.raises(CellError, match=r"!cat names /Volumes"):
            bang_line('cat "/Volumes/main/raw/files/x.csv"', tmp_path)
        assert bang_line("echo dbfs:/tmp/x.csv /tmp/dbfs ./Workspace", tmp_path) == [
            "dbfs:/tmp/x.csv /tmp/dbfs ./Workspace"]
    finally:
        uninstall_path_mapping()
    assert child_view_problem() is None
    check_mounts("%sh", "ls /dbfs")  # no mapping: Python sees the machine's paths as bash does


def test_inside_the_namespace_python_uses_the_mounts_and_explains_a_missing_sample(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    mounts = namespace_of(root)
    code = ("import errno, json, sys; from pathlib import Path\n"
            "from mlops_engine.local.filesystem.fuse import child_view_problem, install_path_mapping\n"
            "from mlops_engine.local.notebook.shell import shell_cell\n"
            "install_path_mapping(Path(sys.argv[1])); seen = {'problem': child_view_problem()}\n"
            "shell_cell('grep -v name /dbfs/tmp/x.csv')\n"
            "try:\n    open('/databricks-datasets/nyctaxi/trips.csv')\n"
            "except FileNotFoundError as error:\n    seen['missing'] = [type(error).__name__, str(error)]\n"
            "try:\n    open('/databricks-datasets/samples/new.csv', 'w')\n"
            "except OSError as error:\n    seen['write'] = error.errno\n"
            "try:\n    shell_cell('cat /databricks-datasets/nyctaxi/trips.csv')\n"
            "except Exception as error:\n    seen['sh'] = str(error)\n"
            "print(json.dumps(seen))")
    done = subprocess.run(mounts.wrap([sys.executable, "-c", code, str(root)]), capture_output=True, text=True,
                          timeout=60, env={**os.environ, **mounts.environment})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "dbfs"
    seen = json.loads(lines[-1])
    assert seen["problem"] is None and seen["write"] == errno.EROFS
    assert seen["missing"][0] == SampleDatasetMissing.__name__ and "not available offline" in seen["missing"][1]
    assert "%sh exited with status 1" in seen["sh"] and "place a copy at" in seen["sh"]
