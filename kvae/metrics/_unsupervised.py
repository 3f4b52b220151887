"""Unsupervised scores of a representation (Locatello et al., 2019, "Challenging Common Assumptions...")."""

import numpy as np
import scipy.linalg

from kvae.metrics import _utils as utils
from kvae.metrics._registry import METRICS


def gaussian_total_correlation(cov):
    """KL between N(0, cov) and the product of its marginals: -0.5 log det(correlation)."""
    return float(0.5 * (np.sum(np.log(np.diag(cov))) - np.linalg.slogdet(cov)[1]))


def gaussian_wasserstein_correlation(cov):
    """Squared 2-Wasserstein distance between N(0, cov) and the product of its marginals."""
    root = scipy.linalg.sqrtm(cov * np.diag(cov)[:, None])
    return float(2 * np.trace(cov) - 2 * np.trace(np.real(root)))


def unsupervised(codes, num_bins=20):
    """Gaussian total correlation, Gaussian Wasserstein correlation (raw and divided by the
    total variance) and mean pairwise mutual information of 20-bin discretised latents.

    Returns:
      {"gaussian_total_correlation", "gaussian_wasserstein_correlation",
      "gaussian_wasserstein_correlation_norm", "mutual_info_score"}.
    """
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2 or codes.shape[1] < 2:
        raise ValueError(f"expected codes [N, D] with D >= 2, got {codes.shape}")
    cov = np.cov(codes.T)
    wasserstein = gaussian_wasserstein_correlation(cov)
    discrete = utils.histogram_discretize(codes, num_bins)
    mi = utils.discrete_mutual_info(discrete, discrete)
    np.fill_diagonal(mi, 0.0)
    d = codes.shape[1]
    return {
        "gaussian_total_correlation": gaussian_total_correlation(cov),
        "gaussian_wasserstein_correlation": wasserstein,
        "gaussian_wasserstein_correlation_norm": wasserstein / float(np.trace(cov)),
        "mutual_info_score": float(mi.sum() / (d * d - d)),
    }


@METRICS.register("unsupervised")
def compute_unsupervised(
    data,
    representation_fn,
    random_state,
    num_train=10000,
    num_bins=20,
    encode_batch_size=utils.DEFAULT_BATCH_SIZE,
):
    """Unsupervised scores of the codes of `representation_fn` on `data`.

    When the function returns (mean, logvar) (`mode="posterior"`), the plain
    keys describe the means and the same scores of one posterior sample per
    point are added under "sampled_<key>" (the study reports both).
    """
    rng = utils.as_rng(random_state)
    factors = data.sample_factors(num_train, rng)
    mean, logvar = utils.encode_mean_logvar(data, representation_fn, factors, encode_batch_size)
    scores = unsupervised(mean, num_bins)
    if logvar is None:
        return scores
    sampled = mean + np.exp(0.5 * logvar) * rng.standard_normal(mean.shape)
    scores.update({f"sampled_{k}": v for k, v in unsupervised(sampled, num_bins).items()})
    return scores
