"""Mutual Information Concentration (Halevi, "Important Groups First: Encouraging
Disentanglement in Variational Autoencoders", eq. 13)."""

import numpy as np

from kvae.metrics import _utils as utils
from kvae.metrics._registry import METRICS


def mic(codes, factors, subsets=None, num_bins=20):
    """MIC(f, S) = (sum_{n in S} I(d_n; f) - sum_{n not in S} I(d_n; f)) / H(f).

    Latents are discretised into `num_bins` histogram bins.

    Args:
      codes: [N, D]; factors: [N, F] discrete.
      subsets: list of latent index lists S (e.g. the groups of a Grouped-VAE);
        default: each latent on its own.

    Returns:
      {"mic": [len(subsets)][F] MIC of every factor in every subset,
      "mic_max_per_factor": [F] the largest MIC of each factor over the subsets}.
    """
    codes, factors = utils.check_codes_factors(codes, factors)
    d = codes.shape[1]
    subsets = [[j] for j in range(d)] if subsets is None else [list(s) for s in subsets]
    membership = np.zeros((len(subsets), d))
    for k, subset in enumerate(subsets):
        if not subset or min(subset) < 0 or max(subset) >= d:
            raise ValueError(f"subset {subset} must be a non-empty list of latent indices in [0, {d})")
        membership[k, subset] = 1.0
    mi = utils.discrete_mutual_info(utils.histogram_discretize(codes, num_bins), factors)
    entropy = utils.check_entropy(utils.discrete_entropy(factors), "MIC")
    matrix = ((2 * membership - 1) @ mi) / entropy
    return {"mic": matrix.tolist(), "mic_max_per_factor": matrix.max(axis=0).tolist()}


@METRICS.register("mic")
def compute_mic(
    data,
    representation_fn,
    random_state,
    subsets=None,
    num_train=10000,
    num_bins=20,
    encode_batch_size=utils.DEFAULT_BATCH_SIZE,
):
    """MIC of `representation_fn` on `num_train` points of `data` (the paper's 10,000, 20 bins)."""
    rng = utils.as_rng(random_state)
    codes, factors = utils.sample_codes(data, representation_fn, num_train, rng, encode_batch_size)
    return mic(codes, factors, subsets, num_bins)
