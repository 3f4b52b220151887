"""Datasets by name, so a config can choose one: `kvae.data.get("xysquares", grid_spacing=2)`.

Every dataset registers itself where it is defined:

    @register("xysquares")
    class XYSquares(ProceduralData): ...
"""

from kvae.data.arguments import fail
from kvae.data.ground_truth import GroundTruthData
from kvae.registry import Registry

__all__ = ["DATASETS", "as_dataset", "get", "get_class", "names", "register"]

DATASETS = Registry("datasets")

register = DATASETS.register  # register(name, cls) or @register(name)
get_class = DATASETS.get  # the class (or factory) registered under a name
names = DATASETS.names  # the registered names, sorted


def get(name, **kwargs):
    """Builds the dataset registered under `name` with `kwargs`."""
    return DATASETS.get(name)(**kwargs)


def as_dataset(data, owner="make_dataset", argument="data"):
    """`data` itself when it is a `GroundTruthData`, the dataset registered under it when it is a name."""
    if isinstance(data, str):
        return get(data)
    if not isinstance(data, GroundTruthData):
        raise fail(owner, argument, "a GroundTruthData or a registered dataset name", data)
    return data
