"""TF1's ``tf.gfile`` (and ``tf.io.gfile``'s lower-case names) on the local file system.

TF1's GFile reached local files and remote stores (``gs://``, ``hdfs://``); jaxgraph reads
local paths only and says so for a URL. Failures are TF1's error classes: a missing file is a
``NotFoundError``, copying or renaming onto an existing file without ``overwrite`` an
``AlreadyExistsError``.
"""

from __future__ import annotations

import glob as _glob
import io
import os
import re
import shutil
from collections.abc import Iterator
from typing import Any

from jaxgraph.errors import AlreadyExistsError, NotFoundError, UnimplementedError


def _local(path: Any) -> str:
    """``path`` as a local file-system path; a URL scheme (``gs://``) is refused."""
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = path.decode()
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", path) and not path.startswith("file://"):
        raise UnimplementedError(
            f"File system scheme '{path.split('://')[0]}' not implemented (file: '{path}')"
        )
    return path.removeprefix("file://")


class GFile(io.IOBase):
    """A file, opened lazily on first use, as TF1's ``tf.gfile.GFile(name, mode="r")``:
    ``read``, ``readline``, ``readlines``, iteration, ``write``, ``seek``, ``tell``, ``size``."""

    def __init__(self, name: Any, mode: str = "r"):
        super().__init__()
        self.name, self.mode = _local(name), mode
        self._file: Any = None

    def _handle(self) -> Any:
        if self._file is None:
            if "r" in self.mode and not os.path.exists(self.name):
                raise NotFoundError(f"{self.name}; No such file or directory")
            self._file = open(self.name, self.mode)  # noqa: SIM115  (closed by close())
        return self._file

    def read(self, n: int = -1) -> Any:
        return self._handle().read(n)

    def readline(self, size: int = -1) -> Any:
        return self._handle().readline(size)

    def readlines(self, hint: int = -1) -> list:
        return self._handle().readlines(hint)

    def __iter__(self) -> Iterator:
        return iter(self._handle())

    def __next__(self) -> Any:
        return next(self._handle())

    def write(self, data: Any) -> int:
        return self._handle().write(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle().seek(offset, whence)

    def tell(self) -> int:
        return self._handle().tell()

    def size(self) -> int:
        """The file's size in bytes."""
        self.flush()
        return os.path.getsize(self.name)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        super().close()


FastGFile = Open = GFile


def exists(filename: Any) -> bool:
    """TF1's ``tf.gfile.Exists``."""
    return os.path.exists(_local(filename))


def isdir(dirname: Any) -> bool:
    """TF1's ``tf.gfile.IsDirectory``."""
    return os.path.isdir(_local(dirname))


def glob(filename: Any) -> list[str]:
    """The paths matching a pattern. TF1's ``tf.gfile.Glob``."""
    return sorted(_glob.glob(_local(filename)))


def listdir(dirname: Any) -> list[str]:
    """The entries of a directory (names only). TF1's ``tf.gfile.ListDirectory``."""
    path = _local(dirname)
    if not os.path.isdir(path):
        raise NotFoundError(f"Could not find directory {path}")
    return sorted(os.listdir(path))


def makedirs(dirname: Any) -> None:
    """Creates a directory and its parents; fine if it exists. TF1's ``tf.gfile.MakeDirs``."""
    os.makedirs(_local(dirname), exist_ok=True)


def mkdir(dirname: Any) -> None:
    """Creates one directory. TF1's ``tf.gfile.MkDir``."""
    path = _local(dirname)
    if os.path.exists(path):
        raise AlreadyExistsError(f"{path}; File exists")
    os.mkdir(path)


def remove(filename: Any) -> None:
    """Deletes a file. TF1's ``tf.gfile.Remove``."""
    path = _local(filename)
    if not os.path.isfile(path):
        raise NotFoundError(f"{path}; No such file or directory")
    os.remove(path)


def rmtree(dirname: Any) -> None:
    """Deletes a directory and everything in it. TF1's ``tf.gfile.DeleteRecursively``."""
    path = _local(dirname)
    if not os.path.exists(path):
        raise NotFoundError(f"{path}; No such file or directory")
    shutil.rmtree(path)


def _check_target(newpath: str, overwrite: bool) -> None:
    if os.path.exists(newpath) and not overwrite:
        raise AlreadyExistsError(f"{newpath}; File exists")


def copy(oldpath: Any, newpath: Any, overwrite: bool = False) -> None:
    """Copies a file. TF1's ``tf.gfile.Copy``."""
    old, new = _local(oldpath), _local(newpath)
    if not os.path.isfile(old):
        raise NotFoundError(f"{old}; No such file or directory")
    _check_target(new, overwrite)
    shutil.copyfile(old, new)


def rename(oldname: Any, newname: Any, overwrite: bool = False) -> None:
    """Renames a file or directory. TF1's ``tf.gfile.Rename``."""
    old, new = _local(oldname), _local(newname)
    if not os.path.exists(old):
        raise NotFoundError(f"{old}; No such file or directory")
    _check_target(new, overwrite)
    os.replace(old, new)


class FileStatistics:
    """A file's ``length``, ``mtime_nsec`` and ``is_directory``; TF1's ``FileStatistics``."""

    def __init__(self, length: int, mtime_nsec: int, is_directory: bool):
        self.length, self.mtime_nsec, self.is_directory = length, mtime_nsec, is_directory


def stat(filename: Any) -> FileStatistics:
    """TF1's ``tf.gfile.Stat``."""
    path = _local(filename)
    if not os.path.exists(path):
        raise NotFoundError(f"{path}; No such file or directory")
    result = os.stat(path)
    return FileStatistics(result.st_size, result.st_mtime_ns, os.path.isdir(path))


def walk(top: Any, in_order: bool = True) -> Iterator[tuple[str, list[str], list[str]]]:
    """``(dirname, subdirs, files)`` for every directory under ``top``, parents first when
    ``in_order`` (else children first). TF1's ``tf.gfile.Walk``."""
    yield from os.walk(_local(top), topdown=in_order)


def join(path: Any, *paths: Any) -> str:
    """Joins path components with ``/``. TF's ``tf.io.gfile.join``."""
    return os.path.join(_local(path), *(os.fspath(p) for p in paths))


def get_registered_schemes() -> list[str]:
    """The file-system schemes jaxgraph reads: the local one (``""`` and ``"file"``). TF's
    ``tf.io.gfile.get_registered_schemes``."""
    return ["", "file"]


Copy, DeleteRecursively, Exists, Glob, IsDirectory = copy, rmtree, exists, glob, isdir
ListDirectory, MakeDirs, MkDir, Remove, Rename, Stat, Walk = (
    listdir,
    makedirs,
    mkdir,
    remove,
    rename,
    stat,
    walk,
)

__all__ = [
    "Copy",
    "DeleteRecursively",
    "Exists",
    "FastGFile",
    "FileStatistics",
    "GFile",
    "Glob",
    "IsDirectory",
    "ListDirectory",
    "MakeDirs",
    "MkDir",
    "Open",
    "Remove",
    "Rename",
    "Stat",
    "Walk",
    "copy",
    "exists",
    "get_registered_schemes",
    "glob",
    "isdir",
    "join",
    "listdir",
    "makedirs",
    "mkdir",
    "remove",
    "rename",
    "rmtree",
    "stat",
    "walk",
]
