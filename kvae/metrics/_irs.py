"""Interventional Robustness Score (Suter et al., 2019, "Robustly Disentangled Causal Mechanisms")."""

import numpy as np

from kvae.metrics import _utils as utils
from kvae.metrics._registry import METRICS


def irs_matrix(codes, factors, diff_quantile=0.99):
    """IRS [D, F]: 1 - mean over values g of factor f of the `diff_quantile` deviation of
    latent d from E[z_d | f = g], normalised by latent d's largest deviation from its mean."""
    codes, factors = utils.check_codes_factors(codes, factors)
    max_deviations = np.max(np.abs(codes - codes.mean(axis=0)), axis=0)
    deviations = np.zeros((codes.shape[1], factors.shape[1]))
    for j in range(factors.shape[1]):
        values = np.unique(factors[:, j])
        for value in values:
            group = codes[factors[:, j] == value]
            deviations[:, j] += np.quantile(np.abs(group - group.mean(axis=0)), diff_quantile, axis=0)
        deviations[:, j] /= len(values)
    return 1.0 - deviations / max_deviations[:, None], max_deviations


def irs(codes, factors, diff_quantile=0.99, num_bins=20):
    """IRS of codes [N, D] given factors [N, F] (factors discretised into `num_bins` bins).

    Constant latents are dropped; the score averages each latent's best IRS
    weighted by its largest deviation, as disentanglement_lib. Unlike
    disentanglement_lib, whose `num_active_dims` sums the codes of the active
    latents, `num_active_dims` counts them.

    Returns:
      {"irs": float, "num_active_dims": int}.
    """
    codes, factors = utils.check_codes_factors(codes, factors)
    active = codes[:, np.var(codes, axis=0) > 0]
    if active.shape[1] == 0:
        return {"irs": 0.0, "num_active_dims": 0}
    matrix, max_deviations = irs_matrix(active, utils.histogram_discretize(factors, num_bins), diff_quantile)
    return {
        "irs": float(np.average(matrix.max(axis=1), weights=max_deviations)),
        "num_active_dims": int(active.shape[1]),
    }


@METRICS.register("irs")
def compute_irs(
    data,
    representation_fn,
    random_state,
    num_train=10000,
    diff_quantile=0.99,
    num_bins=20,
    encode_batch_size=utils.DEFAULT_BATCH_SIZE,
):
    """IRS of `representation_fn` on `data` (study defaults)."""
    rng = utils.as_rng(random_state)
    codes, factors = utils.sample_codes(data, representation_fn, num_train, rng, encode_batch_size)
    return irs(codes, factors, diff_quantile, num_bins)
