"""Small file utilities: atomic JSON and PNG writes."""

import json
import os
import tempfile


def write_atomic(path, data, mode="w"):
    """Writes `data` to `path` through a temporary file and a rename."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, mode) as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_json(path, obj):
    """Writes `obj` as indented JSON to `path` atomically."""
    write_atomic(path, json.dumps(obj, indent=2, sort_keys=True, default=_to_builtin) + "\n")


def read_json(path):
    with open(path) as f:
        return json.load(f)


def _to_builtin(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
