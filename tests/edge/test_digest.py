"""The one file digest the model registries are checked against."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from edge.digest import sha256_of

ROOT = Path(__file__).resolve().parents[2]


def test_a_file_longer_than_one_read_hashes_as_a_whole(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000 + b"tail"  # crosses two 1 MiB chunk boundaries
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert sha256_of(path) == hashlib.sha256(data).hexdigest()
    (tmp_path / "empty").write_bytes(b"")
    assert sha256_of(tmp_path / "empty") == hashlib.sha256(b"").hexdigest()


def test_the_shipped_trajectory_classifier_matches_its_registry_entry() -> None:
    entry = yaml.safe_load((ROOT / "models/registry/trajectory_classifier.yaml").read_text())
    assert sha256_of(ROOT / entry["file"]) == entry["sha256"]
