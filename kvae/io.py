"""Durable file writes: every file kvae writes appears whole or not at all.

A file is written to a temporary name beside it (`.tmp-...`), flushed to disk
(fsync), renamed over its final name, and the directory is synced, so that a
kill or a full disk leaves either the old file or the new one, never a torn one.
Files get the usual permissions (0666 less the umask: 0644 under umask 022).
"""

import contextlib
import json
import os
import uuid

from kvae.errors import KvaeError

__all__ = [
    "TEMPORARY_PREFIX",
    "atomic_path",
    "write_atomic",
    "write_json",
    "read_json",
    "remove_temporary_files",
]

TEMPORARY_PREFIX = ".tmp-"


@contextlib.contextmanager
def atomic_path(path):
    """A temporary path to write `path` through; it replaces `path`, synced, when the block ends without
    error.

    Example:
        with atomic_path("run/model.keras") as tmp:
            model.save(tmp)
    """
    directory, name = os.path.split(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f"{TEMPORARY_PREFIX}{uuid.uuid4().hex[:8]}-{name}")
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync(directory)


def write_atomic(path, data, mode="w"):
    """Writes `data` (str for mode "w", bytes for "wb") to `path` atomically and durably."""
    with atomic_path(path) as tmp:
        with open(tmp, mode) as f:
            f.write(data)


def write_json(path, obj):
    """Writes `obj` as indented JSON to `path` atomically."""
    write_atomic(path, json.dumps(obj, indent=2, sort_keys=True, default=_to_builtin) + "\n")


def read_json(path):
    """The JSON object in `path`; a damaged file is a `KvaeError` naming it."""
    with open(path) as f:
        try:
            return json.load(f)
        except ValueError as error:
            raise KvaeError(f"{path} is not valid JSON ({error}); expected a file written by kvae") from None


def remove_temporary_files(root):
    """Deletes the temporary files that interrupted writes left under `root`; returns their paths."""
    removed = []
    for directory, _, names in os.walk(root):
        for name in names:
            if name.startswith(TEMPORARY_PREFIX):
                os.unlink(os.path.join(directory, name))
                removed.append(os.path.join(directory, name))
    return removed


def _fsync(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _to_builtin(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
