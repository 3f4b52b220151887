"""The PCA view of a VAE (Zietlow et al. 2021, "Clearing the path...", sections 3.3 and 5.2).

A beta-VAE orders its latents like (non-linear) principal components, chosen
by the local structure of the data rather than by the global variance. These
statistics measure both per ground-truth factor: the explained global variance
(eq. 9), the local expansiveness (eq. 7), and for a trained model the
information level 1 - E[sigma^2] of the latent that encodes each factor.

    from kvae import analysis, data
    from kvae.data.perturbed import PerturbationFactor
    stats = analysis.pca_view(PerturbationFactor("dsprites_procedural", eps=0.1), num_bases=64)
    stats["local_expansiveness"]["s"], stats["explained_global_variance"]["s"]
"""

import numpy as np

from kvae.analysis.traversals import factor_index, traversal_images
from kvae.errors import KvaeError

__all__ = ["explained_global_variance", "information_level", "local_expansiveness", "pca_view"]


def pca_view(data, factors=None, num_bases=128, rng=0):
    """The explained global variance and the local expansiveness of each factor, from one pass of traversals.

    Factor j's values are placed evenly on [0, 1], so its step is
    delta_j = 1 / (K_j - 1). The same `num_bases` random base points serve
    every value of a factor (a paired design): a factor that does not change
    the images has exactly zero variance and expansiveness.

    Args:
        data: a `GroundTruthData` (e.g. a `PerturbationFactor`, whose `s` is a factor).
        factors: factor names or indices (default all).
        num_bases: random traversals per factor.
        rng: a `numpy.random.Generator` or an integer seed.

    Returns:
        {"explained_global_variance": {factor: float}, "local_expansiveness":
        {factor: float}, "total_variance": float (E||x - E x||^2 of the images seen)}.
    """
    rng = np.random.default_rng(rng)
    indices = list(range(data.num_factors)) if factors is None else [factor_index(data, f) for f in factors]
    variance, expansiveness = {}, {}
    pixels_sum, squares_sum, count = 0.0, 0.0, 0
    for i in indices:
        size = data.factor_sizes[i]
        if size < 2:
            raise KvaeError(
                f"{data.name}: factor {data.factor_names[i]!r} has a single value; it has no variance or step"
            )
        means, steps, bases = 0.0, 0.0, 0
        for _, images in traversal_images(data, i, num_bases, rng):
            flat = images.reshape(images.shape[:2] + (-1,)).astype(np.float64)  # [b, K, P]
            means = means + flat.sum(axis=0)
            steps = steps + np.sqrt(np.square(np.diff(flat, axis=1)).sum(axis=-1)).sum()
            bases += len(flat)
            pixels_sum, squares_sum, count = (
                pixels_sum + flat.sum(axis=(0, 1)),
                squares_sum + np.square(flat).sum(),
                count + flat.shape[0] * flat.shape[1],
            )
        means = means / bases  # E[x | w_i = k], [K, P]
        name = data.factor_names[i]
        variance[name] = float(np.square(means - means.mean(axis=0)).mean(axis=0).sum())
        mean_step, delta = steps / (bases * (size - 1)), 1.0 / (size - 1)
        expansiveness[name] = float(mean_step / delta)
    total = float(squares_sum / count - np.square(pixels_sum / count).sum())
    return {
        "explained_global_variance": variance,
        "local_expansiveness": expansiveness,
        "total_variance": total,
    }


def explained_global_variance(data, factors=None, num_bases=128, rng=0):
    """Var_{w_j} E[x | w_j] summed over pixels, per factor (Zietlow et al., eq. 9); see `pca_view`.

    Returns:
        {factor name: float}.
    """
    return pca_view(data, factors, num_bases, rng)["explained_global_variance"]


def local_expansiveness(data, factors=None, num_bases=128, rng=0):
    """E ||x(w + delta_j e_j) - x(w)||_2 / delta_j per factor, eq. 7 at each factor's step delta_j; see
    `pca_view`.

    Returns:
        {factor name: float}.
    """
    return pca_view(data, factors, num_bases, rng)["local_expansiveness"]


def information_level(mean, logvar, factors, factor_names=None, num_bins=20):
    """1 - E[sigma_j^2] of the latent j that encodes each factor (Zietlow et al., section 5.2, Figure 4c).

    The latent that encodes a factor is the one with the largest mutual
    information with it (latents discretised into `num_bins` histogram bins, as MIG).

    Args:
        mean, logvar: posterior means and log-variances [N, D].
        factors: the ground-truth factors [N, F] of the same elements.
        factor_names: names of the F factors (default "0", "1", ...).
        num_bins: histogram bins per latent.

    Returns:
        {"information_level": {factor: float}, "latent": {factor: int},
        "latent_information_level": [D] floats, "mutual_information": [D][F] (nats)}.
    """
    from kvae.metrics import _utils as utils

    mean, factors = utils.check_codes_factors(mean, factors)
    logvar = np.asarray(logvar, np.float64)
    if logvar.shape != mean.shape:
        raise KvaeError(
            f"information_level: mean and logvar must have the same shape, got {mean.shape} and "
            f"{logvar.shape}"
        )
    names = [str(j) for j in range(factors.shape[1])] if factor_names is None else list(factor_names)
    mi = utils.discrete_mutual_info(utils.histogram_discretize(mean, num_bins), factors)
    level = 1.0 - np.exp(logvar).mean(axis=0)
    latent = np.argmax(mi, axis=0)
    return {
        "information_level": {name: float(level[j]) for name, j in zip(names, latent)},
        "latent": {name: int(j) for name, j in zip(names, latent)},
        "latent_information_level": level.tolist(),
        "mutual_information": mi.tolist(),
    }
