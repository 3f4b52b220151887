"""Perturbed datasets of Zietlow et al. 2021, "Demystifying inductive biases for (beta-)VAE
based architectures" ("Clearing the path..."), section 4, and their uniform-noise control.

`Perturbed` turns any ground-truth dataset into `x~ = clip(x + eps * f(s(x)), 0, 1)`
with `f(s)[i, j] = p[(i + round(s / c_j)) mod H, j]` (eq. 8): `p` a fixed seeded
random {-1, 1} pattern, `c_j` in {1, 2, 3, 4} per column, `s(x)` a scalar per
element. By default `s` is the mean code of the least-noisy latent of a trained
model (eq. 6: argmin over latents of the mean posterior variance). `s` is
computed once per element and cached in a `.npy` file, so the wrapper stays
indexable by factors and renders in the tf.data graph. `UniformNoise` is the
paper's control: `clip(x + U[-eps, eps], 0, 1)` with the same eps.

Computing s for a large dataset: by default every element is encoded once, in
a parallel tf.data pipeline with a progress bar, and the result is cached;
`precompute=False` instead encodes each batch on the fly inside the pipeline
(no start-up cost, one extra encoder pass per batch). `PerturbationFactor`
makes s an independent extra factor, for the statistics of section 5.2.
"""

import hashlib
import json
import math
import os

import numpy as np
import tensorflow as tf

from kvae.data import files, noise
from kvae.data.ground_truth import GroundTruthData
from kvae.data.registry import as_dataset, register
from kvae.data.stats import config_key
from kvae.errors import KvaeError
from kvae.io import atomic_path

__all__ = ["Perturbed", "PerturbationFactor", "UniformNoise", "element_values", "least_noisy_code"]

UNIFORM = 4  # salt of the control's noise


class Wrapper(GroundTruthData):
    """A dataset with the factors of `base` and a change to its float32 images."""

    def __init__(self, base, eps):
        self.base = as_dataset(base, type(self).__name__, "base")
        if not 0 <= float(eps) <= 1:
            raise KvaeError(f"{type(self).__name__}: eps must lie in [0, 1], got {eps!r}")
        self.eps = float(eps)
        self.factor_names, self.factor_sizes = self.base.factor_names, tuple(self.base.factor_sizes)
        self.observation_shape = tuple(self.base.observation_shape)
        self.name = f"{self.name}_{self.base.name}"

    @property
    def stochastic(self):
        """As stochastic as `base`."""
        return self.base.stochastic

    def render_tf(self, factors, draws=None):
        """int64 factors [N, F] (and the base's draw ids [N]) -> float32 images [N, H, W, C] in [0, 1]."""
        factors = tf.cast(factors, tf.int64)
        images = self.base.observations_tf(self.base_factors(factors), draws)
        return tf.clip_by_value(images + self.eps * self.perturbation(factors, images), 0.0, 1.0)

    def base_factors(self, factors):
        """The factors of `base` within this dataset's factors [N, F]."""
        return factors

    def perturbation(self, factors, images):
        """The change before `eps` and clipping, [N, H, W, C] or broadcastable to it."""
        raise NotImplementedError


class ShiftedPattern(Wrapper):
    """A wrapper that adds `eps * f(s)`: a fixed random {-1, 1} pattern shifted by s (Zietlow et al., eq. 8)."""

    def __init__(self, base, eps, pattern_seed=0, scale=1.0):
        super().__init__(base, eps)
        self.pattern_seed, self.scale = int(pattern_seed), float(scale)
        height, width = self.observation_shape[:2]
        rng = np.random.default_rng(self.pattern_seed)
        self.pattern = rng.choice(np.array([-1.0, 1.0], np.float32), (height, width))
        self.columns = rng.integers(1, 5, width)  # c_j in {1, 2, 3, 4}

    def patterns(self, s):
        """f(s) for scalars s [N]: float32 [N, H, W] in {-1, 1} (eq. 8)."""
        return self.pattern_tf(tf.constant(np.asarray(s, np.float32))).numpy()

    def pattern_tf(self, s):
        height, width = self.pattern.shape
        shift = tf.cast(tf.floor(self.scale * s[:, None] / tf.constant(self.columns, tf.float32) + 0.5), tf.int64)  # [N, W]
        rows = tf.math.floormod(tf.range(height, dtype=tf.int64)[None, :, None] + shift[:, None, :], height)
        return tf.gather(tf.reshape(tf.constant(self.pattern), [-1]), rows * width + tf.range(width, dtype=tf.int64))


@register("perturbed")
class Perturbed(ShiftedPattern):
    """`clip(x + eps * f(s(x)), 0, 1)` (Zietlow et al. 2021, eqs. 5-8); see the module doc.

    Args:
        base: the dataset (or its registered name).
        eps: the max-norm size of the perturbation (the paper uses ~0.1).
        s: the scalar per element: an array [len(base)] (or the path of a
            `.npy` of one), a callable of float32 images [N, H, W, C] -> [N],
            or the path of a trained `.keras` frame. Default: `model`.
        model: a trained frame (`encode(x) -> (mean, logvar)`); s is the mean
            code of its least-noisy latent.
        pattern_seed: the seed of p and c.
        scale: s is multiplied by it before the shift (1 in the paper; raise it
            when codes span few integers).
        cache_dir: where the s cache goes; default next to the base dataset's
            file when it has one, else `files.cache_dir()`.
        cache_key: names a callable's s in the cache (default its qualified name).
        batch_size: images per batch while computing s.
        precompute: for a model: True encodes every element once (in parallel,
            with a progress bar, cached); False encodes each rendered batch on
            the fly, the least-noisy latent chosen on `num_variance_points` elements
            (the encoder's float rounding depends on the batch, so an element
            whose shift sits on a rounding boundary may move by one row).
        num_variance_points: random elements that choose the latent when not `precompute`.
    """

    name = "perturbed"

    def __init__(self, base, eps=0.1, s=None, model=None, pattern_seed=0, scale=1.0, cache_dir=None,
                 cache_key=None, batch_size=256, precompute=True, num_variance_points=10000):
        super().__init__(base, eps, pattern_seed, scale)
        if isinstance(s, str) and s.endswith(".keras"):
            s, model = None, _load_frame(s)
        if isinstance(s, str):
            s = np.load(s, allow_pickle=False)
        if s is None and model is None:
            raise KvaeError("Perturbed: give s (array, .npy path or callable) or a trained model (or its .keras path)")
        self.model = None
        if s is None and not precompute:
            self.model, self.s_key = model, "on_the_fly"
            self.latent = least_noisy_latent(model, self.base, num_variance_points, batch_size)
            return
        if s is not None and not callable(s):
            self.s, self.s_key = np.asarray(s, np.float32).reshape(-1), "array"
        else:
            if model is not None:
                self.s_key = "model-" + hashlib.sha1(b"".join(np.asarray(w).tobytes() for w in model.get_weights())).hexdigest()[:16]
                compute = lambda: least_noisy_code(model, self.base, batch_size)
            else:
                self.s_key = cache_key or f"{getattr(s, '__module__', '')}.{getattr(s, '__qualname__', type(s).__name__)}"
                compute = lambda: element_values(s, self.base, batch_size)
            self.cache_path = self._cache_path(cache_dir)
            if os.path.exists(self.cache_path):
                self.s = np.load(self.cache_path, allow_pickle=False)
            else:
                self.s = np.asarray(compute(), np.float32).reshape(-1)
                with atomic_path(self.cache_path) as temp:
                    np.save(temp, self.s)
        if self.s.shape != (len(self.base),) or not np.all(np.isfinite(self.s)):
            raise KvaeError(f"Perturbed: s must hold one finite value per element, shape ({len(self.base)},), got {self.s.shape}")

    def _cache_path(self, cache_dir):
        key = json.dumps({"base": config_key(self.base), "s": self.s_key}, sort_keys=True, default=str)
        filename = f"perturbed_s-{self.base.name}-{hashlib.sha1(key.encode()).hexdigest()[:16]}.npy"
        directory = cache_dir
        base_path = getattr(self.base, "path", None)
        if directory is None and isinstance(base_path, str):
            directory = base_path if os.path.isdir(base_path) else os.path.dirname(base_path)
            if not os.access(directory, os.W_OK):
                directory = None
        return os.path.join(files.cache_dir(directory), filename)

    def perturbation(self, factors, images):
        if self.model is not None:  # on the fly: the least-noisy code of the rendered (unperturbed) images
            s = tf.cast(self.model.encode(images, training=False)[0][:, self.latent], tf.float32)
        else:
            s = tf.gather(tf.constant(self.s), self.factors_to_index_tf(factors))
        return self.pattern_tf(s)[..., None]

    def __repr__(self):
        return f"Perturbed({self.base!r}, eps={self.eps}, s={self.s_key!r}, pattern_seed={self.pattern_seed})"


@register("perturbation_factor")
class PerturbationFactor(ShiftedPattern):
    """`clip(x + eps * f(s), 0, 1)` with s an independent extra factor (Zietlow et al. 2021, section 5.2).

    The factors of `base` plus `s`, a uniform variable with zero mean and unit
    variance taking `num_values` evenly spaced values in [-sqrt(3), sqrt(3)];
    `f` is the shifted pattern of eq. 8, as in `Perturbed`. It isolates the
    manipulation's effect, so its local expansiveness and explained global
    variance can be set beside those of the other factors (their Figure 4),
    and a model trained on it reports which latent encodes s.

    Args:
        base: the dataset (or its registered name).
        eps: the max-norm size of the perturbation.
        num_values: the number of values of s.
        pattern_seed, scale: as in `Perturbed`.
    """

    name = "perturbation_factor"

    def __init__(self, base, eps=0.1, num_values=32, pattern_seed=0, scale=1.0):
        super().__init__(base, eps, pattern_seed, scale)
        if isinstance(num_values, bool) or not isinstance(num_values, (int, np.integer)) or num_values < 2:
            raise KvaeError(f"PerturbationFactor: num_values must be an integer >= 2, got {num_values!r}")
        self.num_values = int(num_values)
        self.factor_names = tuple(self.base.factor_names) + ("s",)
        self.factor_sizes = tuple(self.base.factor_sizes) + (self.num_values,)
        self.s_values = np.linspace(-math.sqrt(3.0), math.sqrt(3.0), self.num_values).astype(np.float32)

    def base_factors(self, factors):
        return factors[:, :-1]

    def perturbation(self, factors, images):
        return self.pattern_tf(tf.gather(tf.constant(self.s_values), factors[:, -1]))[..., None]

    def __repr__(self):
        return f"PerturbationFactor({self.base!r}, eps={self.eps}, num_values={self.num_values}, pattern_seed={self.pattern_seed})"


@register("uniform_noise")
class UniformNoise(Wrapper):
    """`clip(x + U[-eps, eps], 0, 1)`, the control of Zietlow et al. 2021 (section 5), noise fixed per element by `seed`."""

    name = "uniform_noise"

    def __init__(self, base, eps=0.1, seed=0):
        super().__init__(base, eps)
        self.seed = int(seed)

    def perturbation(self, factors, images):
        keys = noise.mix(self.factors_to_index_tf(factors), self.seed)
        return noise.uniform(keys, self.observation_shape, UNIFORM, -1.0, 1.0)

    def __repr__(self):
        return f"UniformNoise({self.base!r}, eps={self.eps}, seed={self.seed})"


def element_values(fn, data, batch_size=256):
    """`fn(images)` for every element of `data` in index order: float32 [len(data)]."""
    return np.concatenate([np.asarray(fn(images), np.float32).reshape(-1) for images in _index_order(data, batch_size)])


def least_noisy_code(model, data, batch_size=256):
    """Zietlow et al. eq. 6: the posterior mean of latent j = argmin_k <sigma_k^2> for every element."""
    encode = tf.function(lambda x: model.encode(x, training=False), autograph=False, reduce_retracing=True)
    means, variances = [], 0.0
    for images in _index_order(data, batch_size, "encoding s"):
        mean, logvar = encode(images)
        means.append(np.asarray(mean, np.float32))
        variances = variances + np.exp(np.asarray(logvar, np.float64)).sum(axis=0)
    return np.concatenate(means)[:, int(np.argmin(variances))]


def least_noisy_latent(model, data, num_points=10000, batch_size=256, seed=0):
    """Eq. 6's j = argmin_k <sigma_k^2>, the mean over `num_points` seeded random elements of `data`."""
    factors = data.sample_factors(min(int(num_points), len(data)), np.random.default_rng(seed))
    variances = 0.0
    for start in range(0, len(factors), batch_size):
        _, logvar = model.encode(data.observations(factors[start : start + batch_size]), training=False)
        variances = variances + np.exp(np.asarray(logvar, np.float64)).sum(axis=0)
    return int(np.argmin(variances))


def _index_order(data, batch_size, label=None):
    """Yields float32 images of every element of `data` in index order, rendered in parallel by tf.data.

    With a `label`, a progress bar counts the elements.
    """
    import keras

    count = len(data)
    batches = tf.data.Dataset.range(0, count, batch_size).map(
        lambda start: data.observations_tf(data.index_to_factors_tf(tf.range(start, tf.minimum(start + batch_size, count)))),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    progress = keras.utils.Progbar(count, unit_name="image") if label else None
    if label:
        print(f"{data.name}: {label} for {count} elements", flush=True)
    for images in batches.prefetch(tf.data.AUTOTUNE):
        yield images.numpy()
        if progress is not None:
            progress.add(int(images.shape[0]))


def _load_frame(path):
    import keras

    import kvae.frames  # noqa: F401  (registers the frames for deserialisation)

    return keras.saving.load_model(path, safe_mode=True)
