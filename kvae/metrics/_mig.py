"""Mutual Information Gap (Chen et al., 2018, "Isolating Sources of Disentanglement in VAEs")."""

import numpy as np

from kvae.metrics import _utils as utils
from kvae.metrics._registry import METRICS


def mig(codes, factors, num_bins=20, continuous_factors=False):
    """MIG of codes [N, D] with respect to factors [N, F].

    Each latent is discretised into `num_bins` equal-width histogram bins; the
    gap between the two largest mutual informations of a factor with the
    latents is divided by the factor's entropy and averaged over factors, as in
    disentanglement_lib. With `continuous_factors` the factors are discretised
    the same way first.

    Returns:
      {"mig": float, "mig_per_factor": [F] floats}.
    """
    codes, factors = utils.check_codes_factors(codes, factors)
    if codes.shape[1] < 2:
        raise ValueError(f"MIG needs at least 2 latents, got codes of shape {codes.shape}")
    if continuous_factors:
        factors = utils.histogram_discretize(factors, num_bins)
    mi = utils.discrete_mutual_info(utils.histogram_discretize(codes, num_bins), factors)
    entropy = utils.check_entropy(utils.discrete_entropy(factors), "MIG")
    top_two = -np.sort(-mi, axis=0)[:2]
    per_factor = (top_two[0] - top_two[1]) / entropy
    return {"mig": float(np.mean(per_factor)), "mig_per_factor": per_factor.tolist()}


@METRICS.register("mig")
def compute_mig(
    data,
    representation_fn,
    random_state,
    num_train=10000,
    num_bins=20,
    continuous_factors=False,
    encode_batch_size=utils.DEFAULT_BATCH_SIZE,
):
    """MIG of `representation_fn` on `num_train` points drawn from `data` (study defaults)."""
    rng = utils.as_rng(random_state)
    codes, factors = utils.sample_codes(data, representation_fn, num_train, rng, encode_batch_size)
    return mig(codes, factors, num_bins, continuous_factors)
