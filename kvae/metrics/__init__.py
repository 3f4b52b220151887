"""Disentanglement metrics: pure functions of arrays and samplers over ground-truth data.

Each metric `x` has a pure function `x(codes, factors, ...) -> dict` and a
wrapper `compute_x(data, representation_fn, random_state, **study_defaults)`
that samples from a `GroundTruthData`. `get(name)` returns a wrapper by its
stable name.
"""

from kvae.metrics.beta_vae import beta_vae, compute_beta_vae
from kvae.metrics.factor_vae import compute_factor_vae, factor_vae
from kvae.metrics.mig import compute_mig, mig
from kvae.metrics.representation import representation_function

METRICS = {
    "mig": compute_mig,
    "beta_vae": compute_beta_vae,
    "factor_vae": compute_factor_vae,
}


def get(name):
    """The compute function registered under `name` in `METRICS`."""
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r}; known metrics: {', '.join(sorted(METRICS))}") from None
