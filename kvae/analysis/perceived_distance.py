"""Perceived distances between dataset elements: Michlo et al., "Overlooked
implications of the reconstruction loss for VAE disentanglement", section 4.

The perceived distance of a VAE between two observations is its reconstruction
loss, d(x_a, x_b) = L_rec(x_a, x_b) (eq. 7). Averaged over random factor
traversals (eqs. 9-10) it gives one matrix per factor (Figures 3 and 8); at
the levels of a trained model (representation means, posteriors,
reconstructions) it gives their Figure 4. The rank and linear correlations of
these matrices with the ground-truth distances |u - v| (eq. 5) score whether a
loss perceives a factor's order.

    from kvae import analysis, data
    matrices = analysis.distance_matrices(data.XYSquares(grid_spacing=1), "mse", num_bases=256)
    analysis.distance_correlations(matrices)   # {"x_R": {"spearman": 1.0, "pearson": 0.93}, ...}
"""

import keras
import numpy as np
import scipy.stats
import tensorflow as tf

from kvae import losses
from kvae.analysis.traversals import factor_index, traversal_factors, traversal_images

__all__ = [
    "LEVELS",
    "average_distance_matrix",
    "distance_correlations",
    "distance_matrices",
    "factor_traversal_distances",
    "ground_truth_distances",
    "model_distance_matrices",
    "pairwise_distances",
    "perceived_distance",
]

# The levels of a trained model (Michlo et al., Figure 4, left to right).
LEVELS = ("ground_truth", "data", "latent_l2", "latent_kl", "reconstruction")
PAIRS_PER_CALL = 2048  # image pairs compared by one call of a loss


def perceived_distance(x_a, x_b, loss="mse"):
    """d(x_a, x_b) = L_rec(x_a, x_b): the reconstruction loss of x_a when x_b is the reconstruction.

    Eq. (7) of Michlo et al.: the VAE's perceived distance between two
    observations in data space.

    Args:
        x_a, x_b: images [N, H, W, C] (or one image [H, W, C]) in [0, 1]; x_a is the target.
        loss: a name for `kvae.losses.get` or a loss from it (its data-space
            `distance` is used), or a callable `(x_a, x_b) -> [N]`.

    Returns:
        float32 distances [N] (a scalar for single images).
    """
    x_a, x_b = np.asarray(x_a, np.float32), np.asarray(x_b, np.float32)
    if x_a.shape != x_b.shape:
        raise ValueError(
            f"perceived_distance: x_a and x_b must have the same shape, got {x_a.shape} and {x_b.shape}"
        )
    single = x_a.ndim == 3
    if single:
        x_a, x_b = x_a[None], x_b[None]
    distances = np.asarray(keras.ops.convert_to_numpy(_data_space(loss)(x_a, x_b)), np.float32)
    return distances[0] if single else distances


def pairwise_distances(images, loss="mse"):
    """All ordered perceived distances within each set of images: [..., K, H, W, C] -> [..., K, K].

    Entry (u, v) is d(x_u, x_v) (x_u the target). An augmented loss (Michlo et
    al., eq. 11) blurs each image once, with the loss's own convolution, and
    adds its base loss between blurred images: w L(x_u, x_v) + alpha L(Kx_u, Kx_v).

    Args:
        images: float32 images in [0, 1], the sets along axis -4.
        loss: as in `perceived_distance`.
    """
    images = np.asarray(images, np.float32)
    if images.ndim < 4:
        raise ValueError(f"pairwise_distances expects images [..., K, H, W, C], got shape {images.shape}")
    lead, k, shape = images.shape[:-4], images.shape[-4], images.shape[-3:]
    sets = images.reshape((-1, k) + shape)
    loss = losses.get(loss) if isinstance(loss, str) else loss
    if isinstance(loss, losses.AugmentedLoss):
        blurred = np.asarray(loss.blur(sets.reshape((-1,) + shape))).reshape(sets.shape)
        matrices = loss.loss_weight * _all_pairs(sets, loss.base.distance) + loss.alpha * _all_pairs(
            blurred, loss.base.distance
        )
    else:
        matrices = _all_pairs(sets, _data_space(loss))
    return matrices.reshape(lead + (k, k))


def factor_traversal_distances(data, factor, loss="mse", base_factors=None):
    """The distance matrix [f_i, f_i] over the traversal of `factor` through `base_factors`.

    Eq. (10) of Michlo et al.: entry (u, v) is d(x_u, x_v) for the elements
    that differ from `base_factors` only in factor i, set to u and v.

    Args:
        data: a `GroundTruthData`.
        factor: factor index or name.
        loss: as in `perceived_distance`.
        base_factors: one factor vector [F] the traversal passes through (default all zeros).
    """
    base = (
        np.zeros(data.num_factors, np.int64) if base_factors is None else np.asarray(base_factors, np.int64)
    )
    traversal = traversal_factors(data, factor, base[None])[0]
    return pairwise_distances(data.observations(traversal), loss)


def distance_matrices(data, loss="mse", factors=None, num_bases=64, rng=0):
    """D^(i) = E_a[D~^(a, i)] for each factor: traversal distance matrices averaged over random bases.

    Michlo et al., section 4.3 (Figures 3 and 8). Streams over chunks of
    traversals, so memory is bounded for any `num_bases`.

    Args:
        data: a `GroundTruthData`.
        loss: as in `perceived_distance`.
        factors: factor names or indices (default all).
        num_bases: random base points a (traversals) per factor.
        rng: a `numpy.random.Generator` or an integer seed.

    Returns:
        {factor name: float64 [f_i, f_i]}.
    """
    rng, loss = np.random.default_rng(rng), losses.get(loss) if isinstance(loss, str) else loss
    out = {}
    for i in _factor_list(data, factors):
        level = _traversal_mean(
            data, i, num_bases, rng, lambda factors, images: {"data": pairwise_distances(images, loss)}
        )
        out[data.factor_names[i]] = level["data"]
    return out


def average_distance_matrix(data, factor, loss="mse", n_repeats=64, rng=None):
    """D^(i) of one factor over `n_repeats` random traversals (see `distance_matrices`)."""
    i = factor_index(data, factor)
    return distance_matrices(data, loss, [i], n_repeats, rng)[data.factor_names[i]]


def ground_truth_distances(size):
    """d_gt(u, v) = |u - v| along a traversal of a factor with `size` values (Michlo et al., eq. 5)."""
    values = np.arange(int(size))
    return np.abs(np.subtract.outer(values, values)).astype(np.float64)


def distance_correlations(matrices):
    """Spearman and Pearson correlation of each distance matrix with the ground-truth |u - v|.

    Computed over the off-diagonal entries (u != v): one number per factor,
    1 when the loss perceives the factor's order, 0 when it perceives no order
    (also when the perceived distances are constant, as for XYSquares at
    spacing 8 under a pixel-wise loss, where the correlation is undefined).

    Args:
        matrices: {factor name: [K, K]} (e.g. from `distance_matrices`).

    Returns:
        {factor name: {"spearman": float, "pearson": float}}.
    """
    out = {}
    for name, matrix in matrices.items():
        matrix = np.asarray(matrix, np.float64)
        off = ~np.eye(len(matrix), dtype=bool)
        truth, perceived = ground_truth_distances(len(matrix))[off], matrix[off]
        if (
            perceived.size < 2
            or np.ptp(perceived) <= 1e-9 * max(np.abs(perceived).max(), 1e-30)
            or np.ptp(truth) == 0
        ):
            out[name] = {"spearman": 0.0, "pearson": 0.0}
            continue
        out[name] = {
            "spearman": float(scipy.stats.spearmanr(truth, perceived).statistic),
            "pearson": float(np.corrcoef(truth, perceived)[0, 1]),
        }
    return out


def model_distance_matrices(model, data, loss=None, factors=None, num_bases=64, rng=0, batch_size=256):
    """Distance matrices at every level of a trained model (Michlo et al., Figure 4).

    For each factor, averaged over random traversals: the ground-truth |u - v|,
    the perceived distances between observations ("data"), the l2 distances
    between posterior means ("latent_l2"), KL(q(z|x_u) || q(z|x_v)) between
    the posteriors ("latent_kl"), and the perceived distances between the
    reconstructions from the means ("reconstruction").

    Args:
        model: a trained frame (`encode`, `decode`, `reconstruction_loss`).
        data: a `GroundTruthData`.
        loss: the perceived distance (default the model's reconstruction loss).
        factors, num_bases, rng: as in `distance_matrices`.
        batch_size: images passed to the encoder and decoder at once.

    Returns:
        {factor name: {level: float64 [f_i, f_i]}} with the levels of `LEVELS`.
    """
    from kvae.analysis.models import encode_decode

    loss = model.reconstruction_loss if loss is None else losses.get(loss) if isinstance(loss, str) else loss
    forward = encode_decode(model, batch_size)
    rng = np.random.default_rng(rng)

    def levels(traversals, images):
        sets = images.shape[:2]
        mean, logvar, reconstruction = forward(images.reshape((-1,) + images.shape[2:]))
        mean, logvar = mean.reshape(sets + (-1,)), logvar.reshape(sets + (-1,))
        return {
            "data": pairwise_distances(images, loss),
            "latent_l2": np.sqrt(np.sum(np.square(mean[:, :, None] - mean[:, None]), axis=-1)),
            "latent_kl": _gaussian_kl_pairs(mean, logvar),
            "reconstruction": pairwise_distances(reconstruction.reshape(images.shape), loss),
        }

    out = {}
    for i in _factor_list(data, factors):
        matrices = _traversal_mean(data, i, num_bases, rng, levels)
        out[data.factor_names[i]] = {"ground_truth": ground_truth_distances(data.factor_sizes[i]), **matrices}
    return out


def _traversal_mean(data, factor, num_bases, rng, fn):
    """The means over `num_bases` random traversals of `fn(factors [b, K, F], images [b, K, ...])`,
    a dict of [b, K, K] arrays."""
    total, count = {}, 0
    for factors, images in traversal_images(data, factor, num_bases, rng):
        for key, value in fn(factors, images).items():
            total[key] = total.get(key, 0.0) + np.sum(value, axis=0, dtype=np.float64)
        count += len(images)
    return {key: value / count for key, value in total.items()}


def _all_pairs(sets, distance):
    """[n, K, ...] -> [n, K, K]: distance(x_u, x_v) for all ordered pairs, PAIRS_PER_CALL at a time.

    The squared error goes through Gram matrices in float64 (||a||^2 + ||b||^2 - 2 a.b,
    one matmul per set, exact to ~1e-12 relative), the other losses pair by pair.
    """
    n, k = sets.shape[:2]
    if getattr(distance, "__self__", None).__class__ is losses.MeanSquaredError:
        flat = tf.cast(tf.reshape(sets, (n, k, -1)), tf.float64)
        gram = tf.linalg.matmul(flat, flat, transpose_b=True).numpy()
        norms = np.diagonal(gram, axis1=1, axis2=2)
        return np.maximum(norms[:, :, None] + norms[:, None, :] - 2.0 * gram, 0.0)
    u, v = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    u, v = u.reshape(-1), v.reshape(-1)
    flat = sets.reshape((n * k,) + sets.shape[2:])
    rows = (np.arange(n)[:, None] * k + u[None]).reshape(-1)
    cols = (np.arange(n)[:, None] * k + v[None]).reshape(-1)
    out = np.empty(len(rows), np.float64)
    for start in range(0, len(rows), PAIRS_PER_CALL):
        stop = start + PAIRS_PER_CALL
        out[start:stop] = keras.ops.convert_to_numpy(distance(flat[rows[start:stop]], flat[cols[start:stop]]))
    return out.reshape(n, k, k)


def _gaussian_kl_pairs(mean, logvar):
    """KL(N(mean_u, var_u) || N(mean_v, var_v)) summed over latents, for all pairs: [n, K, D] -> [n, K, K]."""
    mean, logvar = np.asarray(mean, np.float64), np.asarray(logvar, np.float64)
    mu_u, mu_v, lv_u, lv_v = mean[:, :, None], mean[:, None], logvar[:, :, None], logvar[:, None]
    return 0.5 * np.sum(lv_v - lv_u + (np.exp(lv_u) + np.square(mu_u - mu_v)) * np.exp(-lv_v) - 1.0, axis=-1)


def _factor_list(data, factors):
    return list(range(data.num_factors)) if factors is None else [factor_index(data, f) for f in factors]


def _data_space(loss):
    """Turns `loss` into a distance `(x_a, x_b) -> [N]` between images in [0, 1]."""
    if isinstance(loss, str):
        loss = losses.get(loss)
    if hasattr(loss, "distance"):
        return loss.distance
    if callable(loss):
        return loss
    raise TypeError(f"loss must be a loss name, a kvae.losses loss or a callable, got {type(loss).__name__}")
