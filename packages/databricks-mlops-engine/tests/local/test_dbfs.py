"""dbutils.fs on the local target answers as Databricks' does: FileInfo, errors, return values."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_engine.local.filesystem.dbfs import FileInfo, LocalFs


@pytest.fixture
def fs(tmp_path: Path) -> LocalFs:
    return LocalFs(tmp_path / "dbfs")


def test_ls_returns_file_infos_with_dbfs_paths_and_folder_slashes(fs: LocalFs, tmp_path: Path) -> None:
    fs.put("dbfs:/d/a.txt", "abc")
    fs.mkdirs("/d/sub")
    entries = fs.ls("dbfs:/d")
    assert [(e.path, e.name, e.size) for e in entries] == [("dbfs:/d/a.txt", "a.txt", 3), ("dbfs:/d/sub/", "sub/", 0)]
    assert isinstance(entries[0], FileInfo) and entries[0].modificationTime > 0
    fs.mkdirs("/Volumes/main/s/v")
    assert fs.ls("/Volumes/main/s/v") == []
    assert (tmp_path / "Volumes" / "main" / "s" / "v").is_dir()


def test_missing_paths_fail_as_databricks_reports_them(fs: LocalFs) -> None:
    with pytest.raises(FileNotFoundError, match=r"FileNotFoundException: File dbfs:/nope does not exist"):
        fs.ls("dbfs:/nope")
    with pytest.raises(FileNotFoundError):
        fs.cp("dbfs:/nope", "dbfs:/x")
    assert fs.rm("dbfs:/nope") is False


def test_put_head_cp_mv_rm(fs: LocalFs, capsys: pytest.CaptureFixture[str]) -> None:
    assert fs.put("/f.txt", "0123456789")
    assert "Wrote 10 bytes." in capsys.readouterr().out
    with pytest.raises(FileExistsError):
        fs.put("/f.txt", "x")
    assert fs.head("/f.txt", 4) == "0123"
    fs.mkdirs("/dir")
    fs.cp("/f.txt", "/dir")
    fs.mv("/dir/f.txt", "/dir/g.txt")
    assert [e.name for e in fs.ls("/dir")] == ["g.txt"]
    with pytest.raises(OSError, match="recurse=True"):
        fs.rm("/dir")
    assert fs.rm("/dir", recurse=True)
