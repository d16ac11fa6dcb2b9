"""Atomic writes: whole or nothing, with the permissions a normally written file would get."""

import os

import pytest

from chainwatch.files import write_atomic


def test_a_new_file_gets_the_usual_mode_and_the_whole_content(tmp_path):
    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "out.csv", "a,b\n")
    finally:
        os.umask(umask)
    assert (tmp_path / "out.csv").read_text() == "a,b\n"
    assert (tmp_path / "out.csv").stat().st_mode & 0o777 == 0o644


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"old")
    target.chmod(0o600)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and target.stat().st_mode & 0o777 == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_atomic(target, 42)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
