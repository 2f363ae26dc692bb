"""Workspace paths map into the local workspace folder as a Databricks cluster resolves them."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pytest

from mlops_engine.errors import UserError
from mlops_engine.local.filesystem.fuse import install_path_mapping, uninstall_path_mapping
from mlops_engine.local.filesystem.paths import PathMap, SampleDatasetMissing, local_path


@pytest.mark.parametrize(
    ("path", "local"),
    [
        ("dbfs:/a/b.csv", "dbfs/a/b.csv"),
        ("/dbfs/a/b.csv", "dbfs/a/b.csv"),
        ("/a/b.csv", "dbfs/a/b.csv"),
        ("/Volumes/main/s/v/f.txt", "Volumes/main/s/v/f.txt"),
        ("/Workspace/Projects/x.py", "Projects/x.py"),
    ],
)
def test_workspace_paths_resolve_inside_the_folder(tmp_path: Path, path: str, local: str) -> None:
    assert local_path(tmp_path, path) == tmp_path / local


def test_paths_leaving_the_folder_or_relative_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"'\.\.'"):
        local_path(tmp_path, "dbfs:/a/../../etc")
    with pytest.raises(UserError, match="not an absolute"):
        local_path(tmp_path, "relative/x")


def test_spark_paths_keep_other_schemes_and_mapped_paths(tmp_path: Path) -> None:
    paths = PathMap.of(tmp_path)
    assert paths.spark("s3://bucket/x") == "s3://bucket/x"
    assert paths.spark("dbfs:/x") == str(tmp_path / "dbfs" / "x")
    already = str(tmp_path / "dbfs" / "x")
    assert paths.spark(already) == already


def test_missing_sample_dataset_says_it_is_not_available_offline(tmp_path: Path) -> None:
    with pytest.raises(SampleDatasetMissing, match="not available offline"):
        local_path(tmp_path, "/databricks-datasets/nyctaxi/x.csv")
    sample = tmp_path / "databricks-datasets" / "nyctaxi" / "x.csv"
    sample.parent.mkdir(parents=True)
    sample.write_text("a\n1\n")
    assert local_path(tmp_path, "dbfs:/databricks-datasets/nyctaxi/x.csv") == sample


def test_open_and_os_see_the_fuse_mounts(tmp_path: Path) -> None:
    original_open = builtins.open
    install_path_mapping(tmp_path)
    try:
        os.makedirs("/dbfs/fuse-test/sub", exist_ok=True)
        with open("/dbfs/fuse-test/sub/a.txt", "w") as stream:
            stream.write("hello")
        assert os.listdir("/dbfs/fuse-test/sub") == ["a.txt"]
        assert Path("/dbfs/fuse-test/sub/a.txt").read_text() == "hello"
        assert os.path.isfile("/dbfs/fuse-test/sub/a.txt")
    finally:
        uninstall_path_mapping()
    assert builtins.open is original_open
    assert (tmp_path / "dbfs" / "fuse-test" / "sub" / "a.txt").read_text() == "hello"
    assert not os.path.exists("/dbfs/fuse-test")


def test_pandas_and_arrow_read_and_write_the_fuse_mounts(tmp_path: Path) -> None:
    import pandas as pd
    import pyarrow.parquet as pq

    install_path_mapping(tmp_path)
    try:
        os.makedirs("/dbfs/fuse-test")  # as on a cluster: pandas writes only into an existing folder
        pd.DataFrame({"store": [1, 2]}).to_parquet("/dbfs/fuse-test/sales.parquet")
        assert pd.read_parquet("/dbfs/fuse-test/sales.parquet")["store"].tolist() == [1, 2]
        os.makedirs("/Volumes/main/raw/files", exist_ok=True)
        pq.write_table(pq.read_table("/dbfs/fuse-test/sales.parquet"), "/Volumes/main/raw/files/copy.parquet")
        assert pq.read_table("/Volumes/main/raw/files/copy.parquet").num_rows == 2
    finally:
        uninstall_path_mapping()
    assert (tmp_path / "dbfs" / "fuse-test" / "sales.parquet").is_file()
    assert list(tmp_path.rglob("raw/files/copy.parquet")), "the volume's file is in the workspace folder"
    assert not os.path.exists("/dbfs/fuse-test") and not os.path.exists("/Volumes")
