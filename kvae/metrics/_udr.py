"""Unsupervised Disentanglement Ranking (Duan et al., 2020, "Unsupervised Model Selection
for Variational Disentangled Representation Learning")."""

import functools

import numpy as np
import scipy.stats
from sklearn.linear_model import Lasso

from kvae.metrics import _utils as utils
from kvae.metrics._registry import METRICS

CORRELATIONS = ("lasso", "spearman")


def gaussian_kl(mean, logvar):
    """KL(N(mean, exp(logvar)) || N(0, 1)) per latent, averaged over points -> [D]."""
    return np.mean(0.5 * (np.square(mean) + np.exp(logvar) - logvar - 1.0), axis=0)


def relative_strength(corr):
    """UDR's disentanglement of a similarity matrix [D_a, D_b] (mean of both directions)."""
    if corr.size == 0:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        cols = np.nan_to_num(np.max(corr, axis=0) ** 2 / np.sum(corr, axis=0))
        rows = np.nan_to_num(np.max(corr, axis=1) ** 2 / np.sum(corr, axis=1))
    return float((np.nanmean(cols) + np.nanmean(rows)) / 2)


def lasso_similarity(a, b, seed=0):
    """|coefficients| [D_a, D_b] of a Lasso (alpha 0.1) regressing codes `b` on codes `a`."""
    return np.abs(Lasso(alpha=0.1, random_state=seed).fit(a, b).coef_).T


def spearman_similarity(a, b):
    """|Spearman correlation| [D_a, D_b] between the latents of `a` and `b` (nan for constant latents)."""
    ranks_a, ranks_b = (
        utils.standardize(scipy.stats.rankdata(x, axis=0), keep_constant=False) for x in (a, b)
    )
    return np.abs(ranks_a.T @ ranks_b / len(a))


def udr(codes, kls=None, correlation="lasso", filter_low_kl=True, kl_threshold=0.01, seed=0):
    """UDR of M models from their codes on the same points.

    Codes are standardised and latents whose mean KL to the prior is at most
    `kl_threshold` are zeroed (disentanglement_lib hard-codes 0.01) and, with
    `filter_low_kl`, left out of the pairwise scores.

    Args:
      codes: list of M arrays [N, D].
      kls: list of M arrays [D], mean KL per latent (see `gaussian_kl`); needed
        to filter; without them no latent is zeroed.
      correlation: "lasso" or "spearman".

    Returns:
      {"model_scores": [M] medians of each model's pairwise scores with the others,
      "pairwise_scores": [M][M] (0 on the diagonal)}.
    """
    if correlation not in CORRELATIONS:
        raise ValueError(f"unknown UDR correlation {correlation!r}; known: {', '.join(CORRELATIONS)}")
    if len(codes) < 2:
        raise ValueError(f"UDR compares models: give at least 2 representations, got {len(codes)}")
    if kls is None and filter_low_kl:
        raise ValueError("UDR with filter_low_kl needs the mean KL per latent of every model (kls)")
    reps, masks = [], []
    for i, c in enumerate(codes):
        c = utils.standardize(np.asarray(c, dtype=np.float64))
        mask = np.ones(c.shape[1], bool) if kls is None else np.asarray(kls[i]) > kl_threshold
        reps.append(c * mask)
        masks.append(mask if filter_low_kl else np.ones_like(mask))
    num = len(reps)
    scores = np.zeros((num, num))
    for i in range(num):
        for j in range(num):
            if i != j:
                if correlation == "lasso":
                    corr = lasso_similarity(reps[i], reps[j], seed)
                else:
                    corr = spearman_similarity(reps[i], reps[j])
                scores[i, j] = relative_strength(corr[masks[i]][:, masks[j]])
    model_scores = [float(np.median(np.delete(scores[:, i], i))) for i in range(num)]
    return {"model_scores": model_scores, "pairwise_scores": scores.tolist()}


def compute_udr(
    data,
    representation_fns,
    random_state,
    num_data_points=1000,
    correlation="lasso",
    filter_low_kl=True,
    kl_threshold=0.01,
    encode_batch_size=utils.DEFAULT_BATCH_SIZE,
):
    """UDR of several representation functions (e.g. the seeds of one setting) on the same images.

    With `filter_low_kl` the functions must return (mean, logvar)
    (`representation_function(model, mode="posterior")`).
    """
    rng = utils.as_rng(random_state)
    seed = utils.draw_seed(rng)
    factors = data.sample_factors(num_data_points, rng)
    codes, kls = [], []
    for fn in representation_fns:
        if filter_low_kl:
            mean, logvar = utils.encode(data, fn, factors, encode_batch_size, posterior=True)
            kls.append(gaussian_kl(mean, logvar))
        else:
            mean = utils.encode(data, fn, factors, encode_batch_size)
        codes.append(mean)
    return udr(codes, kls if filter_low_kl else None, correlation, filter_low_kl, kl_threshold, seed)


# Two registered variants, named for the similarity of the representations they compare.
METRICS.register("udr_lasso", functools.partial(compute_udr, correlation="lasso"))
METRICS.register("udr_spearman", functools.partial(compute_udr, correlation="spearman"))
