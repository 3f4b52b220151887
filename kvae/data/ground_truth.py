"""The ground-truth dataset interface shared by every dataset, pipeline and metric."""

import numpy as np
import tensorflow as tf

from kvae.errors import KvaeError

__all__ = ["GroundTruthData", "factor_grid", "flat_index_tf", "to_float"]


class GroundTruthData:
    """A dataset whose elements are indexed by discrete ground-truth factors.

    Subclasses set `factor_names`, `factor_sizes` and `observation_shape` and
    implement one of the two renderings:

    - `render_tf(factors, draws=None)`: tf ops, so that images are drawn inside
      the tf.data graph; `render` then runs it (as a traced tf.function with
      `trace_render`, as procedural datasets do: `kvae.data.ProceduralData`);
    - `render(factors)`: NumPy; `render_tf` then wraps it in `tf.numpy_function`.

    A `stochastic` dataset renders an element differently on every draw (the
    noise of Noisy-dSprites, SmallNORB's instance): its renderings take draw ids
    [N], and without them each element is keyed by its flat index, so that it
    always looks the same (metrics see a fixed dataset); `make_dataset` passes a
    fresh draw id per example.

    Factor indices are C-ordered: the last factor varies fastest.
    """

    factor_names: tuple = ()
    factor_sizes: tuple = ()
    observation_shape: tuple = ()
    name: str = "ground_truth"
    stochastic: bool = False
    trace_render: bool = False  # `render` runs `render_tf` traced (faster; graph ops may round differently)

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

    def index_to_factors_tf(self, indices):
        """Graph version of `index_to_factors` (unchecked): int64 tensor [N] -> int64 [N, F]."""
        sizes = tf.constant(self.factor_sizes, tf.int64)
        return tf.transpose(tf.unravel_index(tf.cast(indices, tf.int64), sizes))

    def factors_to_index_tf(self, factors):
        """Graph version of `factors_to_index` (unchecked): int64 tensor [N, F] -> int64 [N]."""
        return flat_index_tf(self.factor_sizes, factors)

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

    def render(self, factors, draws=None):
        """Factor values [N, F] -> images [N, H, W, C], uint8 or float32 in [0, 1].

        The default runs `render_tf`, so the two renderings can never disagree;
        with `trace_render` as a tf.function traced once. `draws` [N]: draw ids
        of a stochastic dataset.
        """
        if type(self).render_tf is GroundTruthData.render_tf:
            raise NotImplementedError(f"{type(self).__name__} must implement render_tf (tf ops) or render")
        if draws is not None and not self.stochastic:
            raise KvaeError(f"{self.name}: draws are for stochastic datasets; this one is not stochastic")
        inputs = [tf.constant(self.check_factors(factors), tf.int64)]
        if draws is not None:
            inputs.append(tf.constant(np.asarray(draws, np.int64).reshape(-1), tf.int64))
        render_tf = self._traced_render_tf(len(inputs)) if self.trace_render else self.render_tf
        return render_tf(*inputs).numpy()

    def _traced_render_tf(self, num_inputs):
        if "_traced_render" not in self.__dict__:
            factors = tf.TensorSpec([None, self.num_factors], tf.int64)
            draws = tf.TensorSpec([None], tf.int64)
            self._traced_render = {
                1: tf.function(lambda f: self.render_tf(f), input_signature=[factors]),
                2: tf.function(lambda f, d: self.render_tf(f, d), input_signature=[factors, draws]),
            }
        return self._traced_render[num_inputs]

    def render_tf(self, factors, draws=None):
        """Graph version of `render`: int64 factors [N, F] (and draw ids [N]) -> image tensor [N, H, W, C].

        The default runs the NumPy `render` in `tf.numpy_function`.
        """
        dtype = self.render(np.zeros((1, self.num_factors), np.int64)).dtype
        inputs = [factors] if draws is None else [factors, draws]
        images = tf.numpy_function(self.render, inputs, tf.as_dtype(dtype), stateful=False)
        return tf.ensure_shape(images, (None,) + tuple(self.observation_shape))

    def draw_ids_tf(self, factors, draws=None):
        """The draw ids [N] of a stochastic rendering: `draws`, else the elements' flat indices."""
        return self.factors_to_index_tf(factors) if draws is None else draws

    def observations(self, factors):
        """Factor values [N, F] -> float32 images in [0, 1]."""
        return to_float(self.render(self.check_factors(factors)))

    def observations_tf(self, factors, draws=None):
        """Graph version of `observations`: int64 factors [N, F] -> float32 images in [0, 1].

        `draws` [N] reach a stochastic dataset's `render_tf` (the others take factors only).
        """
        return to_float(self.render_tf(factors, draws) if self.stochastic else self.render_tf(factors))


def to_float(images):
    """uint8 images -> float32 in [0, 1] (divided by 255); float images -> float32.

    A NumPy array (or array-like) gives a NumPy array, a tensor a tensor (usable in the graph).
    """
    images = images if tf.is_tensor(images) else np.asarray(images)
    uint8 = images.dtype == np.uint8
    images = tf.cast(images, tf.float32) if tf.is_tensor(images) else images.astype(np.float32)
    return images / 255.0 if uint8 else images


def flat_index_tf(factor_sizes, factors):
    """Flat C-order indices int64 [N] of int64 factors [N, F] on the grid `factor_sizes`, with tf ops."""
    strides = np.cumprod((1,) + tuple(factor_sizes[:0:-1]))[::-1]
    return tf.reduce_sum(tf.cast(factors, tf.int64) * tf.constant(strides, tf.int64), axis=-1)


def factor_grid(factor_sizes):
    """Every factor combination in C order (last factor fastest): int64 [prod(factor_sizes), F]."""
    return np.indices(tuple(factor_sizes), dtype=np.int64).reshape(len(factor_sizes), -1).T.copy()
