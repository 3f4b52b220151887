"""Factor traversals: the sets of elements that differ in one factor only (Michlo et al., eq. 9).

Every analysis of `kvae.analysis` reads a dataset through random traversals
of one factor, streamed in chunks of base points so that memory stays bounded
whatever the number of bases or the size of the dataset.
"""

import numpy as np

__all__ = ["factor_index", "traversal_factors", "traversal_images"]

# Images rendered at once: 4096 RGB 64x64 float32 images are 200 MB.
MAX_IMAGES = 4096


def factor_index(data, factor):
    """A factor of `data` given by index or name -> its index; a clear error otherwise."""
    if isinstance(factor, str):
        if factor not in data.factor_names:
            raise ValueError(
                f"Unknown factor {factor!r}; factors of {data.name}: {', '.join(data.factor_names)}"
            )
        return data.factor_names.index(factor)
    if isinstance(factor, bool) or not 0 <= int(factor) < data.num_factors:
        raise ValueError(f"factor index must lie in [0, {data.num_factors}), got {factor}")
    return int(factor)


def traversal_factors(data, factor, bases):
    """Factor values [B, K, F]: row b is the traversal of `factor` (K values) through `bases[b]`."""
    i = factor_index(data, factor)
    bases = data.check_factors(np.atleast_2d(bases))
    traversals = np.repeat(bases[:, None, :], data.factor_sizes[i], axis=1)
    traversals[:, :, i] = np.arange(data.factor_sizes[i])
    return traversals


def traversal_images(data, factor, num_bases, rng, max_images=MAX_IMAGES):
    """Yields (factors [b, K, F], float32 images [b, K, H, W, C]) for `num_bases` random traversals, in
    chunks.

    Args:
        data: a `GroundTruthData`.
        factor: factor index or name.
        num_bases: number of random base points (traversals).
        rng: a `numpy.random.Generator` or an integer seed.
        max_images: at most this many images are rendered at once (b * K <= max_images).
    """
    i = factor_index(data, factor)
    if isinstance(num_bases, bool) or int(num_bases) < 1:
        raise ValueError(f"num_bases must be a positive integer, got {num_bases!r}")
    bases = data.sample_factors(int(num_bases), np.random.default_rng(rng))
    chunk = max(1, int(max_images) // data.factor_sizes[i])
    for start in range(0, len(bases), chunk):
        factors = traversal_factors(data, i, bases[start : start + chunk])
        images = data.observations(factors.reshape(-1, data.num_factors))
        yield factors, images.reshape(factors.shape[:2] + images.shape[1:])
