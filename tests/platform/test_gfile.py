"""tf.gfile and tf.io.gfile on the local file system, with TF1's error classes."""

import os

import pytest

import jaxgraph as tf
from jaxgraph.errors import AlreadyExistsError, NotFoundError, UnimplementedError


def test_write_read_and_iterate(tmp_path):
    path = str(tmp_path / "a.txt")
    with tf.gfile.GFile(path, "w") as f:
        f.write("one\ntwo\n")
    with tf.gfile.GFile(path) as f:
        assert f.read() == "one\ntwo\n"
    with tf.gfile.Open(path, "rb") as f:
        assert f.read(3) == b"one"
        assert f.tell() == 3
    with tf.gfile.FastGFile(path) as f:
        assert list(f) == ["one\n", "two\n"]
    assert tf.gfile.GFile(path).size() == 8
    assert tf.io.gfile.GFile is tf.gfile.GFile


def test_directories(tmp_path):
    root = tmp_path / "r"
    tf.gfile.MakeDirs(str(root / "x" / "y"))
    tf.gfile.MakeDirs(str(root / "x" / "y"))  # fine when it exists
    (root / "x" / "f.txt").write_text("f")
    assert tf.gfile.IsDirectory(str(root / "x")) and tf.io.gfile.isdir(str(root / "x"))
    assert tf.gfile.ListDirectory(str(root / "x")) == ["f.txt", "y"]
    assert tf.gfile.Glob(str(root / "x" / "*.txt")) == [str(root / "x" / "f.txt")]
    assert [(os.path.relpath(d, root), sorted(s), f) for d, s, f in tf.gfile.Walk(str(root))] == [
        (".", ["x"], []),
        ("x", ["y"], ["f.txt"]),
        (os.path.join("x", "y"), [], []),
    ]
    stat = tf.gfile.Stat(str(root / "x" / "f.txt"))
    assert (stat.length, stat.is_directory) == (1, False)
    tf.gfile.DeleteRecursively(str(root))
    assert not tf.gfile.Exists(str(root))


def test_copy_rename_remove(tmp_path):
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    with tf.gfile.GFile(a, "w") as f:
        f.write("x")
    tf.gfile.Copy(a, b)
    with pytest.raises(AlreadyExistsError, match=f"^{b}; File exists$"):
        tf.gfile.Copy(a, b)
    tf.gfile.Copy(a, b, overwrite=True)
    tf.io.gfile.rename(b, str(tmp_path / "c"))
    assert tf.io.gfile.listdir(str(tmp_path)) == ["a", "c"]
    tf.gfile.Remove(a)
    assert not tf.io.gfile.exists(a)


def test_missing_files_are_not_found_errors(tmp_path):
    missing = str(tmp_path / "missing")
    with pytest.raises(NotFoundError, match=f"^{missing}; No such file or directory$"):
        tf.gfile.GFile(missing).read()
    with pytest.raises(NotFoundError, match=f"^{missing}; No such file or directory$"):
        tf.gfile.Remove(missing)
    with pytest.raises(NotFoundError, match=f"^Could not find directory {missing}$"):
        tf.gfile.ListDirectory(missing)
    with pytest.raises(AlreadyExistsError):
        tf.gfile.MkDir(str(tmp_path))


def test_remote_file_systems_are_refused():
    with pytest.raises(
        UnimplementedError, match="^File system scheme 'gs' not implemented \\(file: 'gs://b/x'\\)$"
    ):
        tf.gfile.Exists("gs://b/x")


def test_join_and_schemes():
    assert tf.io.gfile.join("a", "b", "c.txt") == os.path.join("a", "b", "c.txt")
    assert tf.io.gfile.get_registered_schemes() == ["", "file"]
