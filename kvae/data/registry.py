"""Datasets by name, so a config can choose one: `kvae.data.get("xysquares")`."""

from kvae.errors import KvaeError

_DATASETS = {}


def register(name, cls=None):
    """Registers a dataset class (or any factory) under `name`; usable as a decorator.

    File-backed datasets register themselves the same way when their module is
    imported: `register("dsprites", DSprites)`.
    """
    if cls is None:
        return lambda cls: register(name, cls)
    if name in _DATASETS and _DATASETS[name] is not cls:
        raise KvaeError(f"dataset name {name!r} is already registered to {_DATASETS[name].__name__}")
    _DATASETS[name] = cls
    return cls


def names():
    """The registered dataset names, sorted."""
    return sorted(_DATASETS)


def get(name, **kwargs):
    """Builds the dataset registered under `name` with `kwargs`."""
    return get_class(name)(**kwargs)


def get_class(name):
    """The class (or factory) registered under `name`."""
    if name not in _DATASETS:
        raise KvaeError(f"Unknown dataset {name!r}; known datasets: {', '.join(names())}")
    return _DATASETS[name]
