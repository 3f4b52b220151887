"""Perceived distances between dataset elements: Michlo et al., "Overlooked
implications of the reconstruction loss for VAE disentanglement", section 4."""

import keras
import numpy as np

from kvae import losses


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
        raise ValueError(f"perceived_distance: x_a and x_b must have the same shape, got {x_a.shape} and {x_b.shape}")
    single = x_a.ndim == 3
    if single:
        x_a, x_b = x_a[None], x_b[None]
    distances = np.asarray(keras.ops.convert_to_numpy(_data_space(loss)(x_a, x_b)), np.float32)
    return distances[0] if single else distances


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
    i, distance = _factor_index(data, factor), _data_space(loss)
    base = np.zeros(data.num_factors, np.int64) if base_factors is None else np.asarray(base_factors, np.int64)
    traversal = np.repeat(data.check_factors(base[None]), data.factor_sizes[i], axis=0)
    traversal[:, i] = np.arange(data.factor_sizes[i])
    images = data.observations(traversal)
    return np.stack([perceived_distance(np.broadcast_to(x, images.shape), images, distance) for x in images])


def average_distance_matrix(data, factor, loss="mse", n_repeats=64, rng=None):
    """D^(i) = E_a[D~^(a, i)]: traversal distance matrices averaged over random base points.

    As in Figures 3, 4 and 8 of Michlo et al.

    Args:
        data: a `GroundTruthData`.
        factor: factor index or name.
        loss: as in `perceived_distance`.
        n_repeats: number of random traversals.
        rng: a `numpy.random.Generator` or an integer seed.
    """
    rng, distance = np.random.default_rng(rng), _data_space(loss)
    bases = data.sample_factors(int(n_repeats), rng)
    return np.mean([factor_traversal_distances(data, factor, distance, base) for base in bases], axis=0)


def _factor_index(data, factor):
    if isinstance(factor, str):
        if factor not in data.factor_names:
            raise ValueError(f"Unknown factor {factor!r}; factors of {data.name}: {', '.join(data.factor_names)}")
        return data.factor_names.index(factor)
    if not 0 <= int(factor) < data.num_factors:
        raise ValueError(f"factor index must lie in [0, {data.num_factors}), got {factor}")
    return int(factor)


def _data_space(loss):
    """Turns `loss` into a distance `(x_a, x_b) -> [N]` between images in [0, 1]."""
    if isinstance(loss, str):
        loss = losses.get(loss)
    if hasattr(loss, "distance"):
        return loss.distance
    if callable(loss):
        return loss
    raise TypeError(f"loss must be a loss name, a kvae.losses loss or a callable, got {type(loss).__name__}")
