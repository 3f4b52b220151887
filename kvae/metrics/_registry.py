"""`METRICS`: each metric's sampling wrapper by its stable name, registered where it is defined."""

from kvae.registry import Registry

__all__ = ["METRICS", "get"]

# compute(data, representation_fn, random_state, **kwargs); the udr_* entries take a list of
# representation functions: compute_udr(data, representation_fns, random_state).
METRICS = Registry("metrics")


def get(name):
    """The compute function registered under `name` in `METRICS` (a one-line error listing the known ones)."""
    return METRICS.get(name)
