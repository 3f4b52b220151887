"""Active units (Zietlow et al., 2021, "Clearing the Path for Truly Semantic Representation
Learning"): latents whose mean posterior variance is below 0.8."""

import numpy as np

from kvae.metrics import _utils as utils
from kvae.metrics._registry import METRICS


def active_units(logvar, threshold=0.8):
    """Active latents from posterior log-variances [N, D]: E[sigma_d^2] < `threshold`.

    Returns:
      {"num_active_units": int, "active_units": [D] bools,
      "mean_posterior_variance": [D] floats}.
    """
    logvar = np.asarray(logvar, dtype=np.float64)
    if logvar.ndim != 2:
        raise ValueError(f"expected posterior log-variances [N, D], got shape {logvar.shape}")
    variance = np.mean(np.exp(logvar), axis=0)
    active = variance < threshold
    return {
        "num_active_units": int(active.sum()),
        "active_units": active.tolist(),
        "mean_posterior_variance": variance.tolist(),
    }


@METRICS.register("active_units")
def compute_active_units(
    data,
    representation_fn,
    random_state,
    num_points=10000,
    threshold=0.8,
    encode_batch_size=utils.DEFAULT_BATCH_SIZE,
):
    """Active units of a posterior on `data`; `representation_fn` must return (mean, logvar)
    (`representation_function(model, mode="posterior")`)."""
    rng = utils.as_rng(random_state)
    (_, logvar), _ = utils.sample_codes(
        data, representation_fn, num_points, rng, encode_batch_size, posterior=True
    )
    return active_units(logvar, threshold)
