"""The ground-truth dataset interface shared by every dataset, pipeline and metric."""

import numpy as np
import tensorflow as tf

from kvae.errors import KvaeError


class GroundTruthData:
    """A dataset whose elements are indexed by discrete ground-truth factors.

    Subclasses set `factor_names`, `factor_sizes` and `observation_shape` and
    implement `render` (NumPy, eager). Procedural datasets also override
    `render_tf` so that images are drawn inside the tf.data graph; the default
    wraps `render` in `tf.numpy_function`.

    Factor indices are C-ordered: the last factor varies fastest.
    """

    factor_names: tuple = ()
    factor_sizes: tuple = ()
    observation_shape: tuple = ()
    name: str = "ground_truth"

    @property
    def num_factors(self):
        return len(self.factor_sizes)

    def __len__(self):
        return int(np.prod(self.factor_sizes, dtype=np.int64))

    def index_to_factors(self, indices):
        """Flat indices [N] -> factor values [N, F] (int64)."""
        indices = np.asarray(indices, dtype=np.int64)
        if np.any(indices < 0) or np.any(indices >= len(self)):
            raise KvaeError(
                f"{self.name}: indices must lie in [0, {len(self)}), got range "
                f"[{indices.min()}, {indices.max()}]"
            )
        return np.stack(np.unravel_index(indices, self.factor_sizes), axis=-1).astype(np.int64)

    def factors_to_index(self, factors):
        """Factor values [N, F] -> flat indices [N] (int64)."""
        factors = self.check_factors(factors)
        return np.ravel_multi_index(tuple(factors.T), self.factor_sizes).astype(np.int64)

    def check_factors(self, factors):
        """Returns `factors` as int64 [N, F]; raises a clear error when out of range."""
        factors = np.asarray(factors, dtype=np.int64)
        if factors.ndim != 2 or factors.shape[1] != self.num_factors:
            raise KvaeError(
                f"{self.name}: factors must have shape [N, {self.num_factors}] "
                f"({', '.join(self.factor_names)}), got {factors.shape}"
            )
        sizes = np.asarray(self.factor_sizes)
        if np.any(factors < 0) or np.any(factors >= sizes):
            raise KvaeError(
                f"{self.name}: factor values must lie in [0, size) with sizes "
                f"{tuple(self.factor_sizes)}, got min {factors.min(axis=0).tolist()} "
                f"max {factors.max(axis=0).tolist()}"
            )
        return factors

    def sample_factors(self, n, rng):
        """Draws `n` factor vectors uniformly with a `numpy.random.Generator`."""
        return np.stack([rng.integers(0, size, n) for size in self.factor_sizes], axis=-1).astype(np.int64)

    def render(self, factors):
        """Factor values [N, F] -> images [N, H, W, C], uint8 or float32 in [0, 1]."""
        raise NotImplementedError

    def render_tf(self, factors):
        """Graph version of `render`: int64 tensor [N, F] -> image tensor [N, H, W, C]."""
        dtype = self.render(np.zeros((1, self.num_factors), np.int64)).dtype
        images = tf.numpy_function(self.render, [factors], tf.as_dtype(dtype), stateful=False)
        return tf.ensure_shape(images, (None,) + tuple(self.observation_shape))

    def observations(self, factors):
        """Factor values [N, F] -> float32 images in [0, 1]."""
        return to_float(self.render(self.check_factors(factors)))

    def sample_observations(self, n, rng):
        """Draws `n` factor vectors and their float32 images."""
        factors = self.sample_factors(n, rng)
        return factors, self.observations(factors)


def to_float(images):
    """uint8 images -> float32 in [0, 1]; float images pass through as float32."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    return images.astype(np.float32)
