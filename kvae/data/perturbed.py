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
"""

import hashlib
import json
import os

import numpy as np
import tensorflow as tf

from kvae.data import files, noise, registry
from kvae.data.dsprites_variants import index_tf
from kvae.data.ground_truth import GroundTruthData, to_float
from kvae.data.registry import register

UNIFORM = 4  # salt of the control's noise


class Wrapper(GroundTruthData):
    """A dataset with the factors of `base` and a change to its float32 images."""

    def __init__(self, base, eps):
        self.base = registry.get(base) if isinstance(base, str) else base
        if not isinstance(self.base, GroundTruthData):
            raise TypeError(f"{type(self).__name__}: base must be a GroundTruthData or a dataset name, got {type(base).__name__}")
        if not 0 <= float(eps) <= 1:
            raise ValueError(f"{type(self).__name__}: eps must lie in [0, 1], got {eps!r}")
        self.eps = float(eps)
        self.factor_names, self.factor_sizes = self.base.factor_names, tuple(self.base.factor_sizes)
        self.observation_shape = tuple(self.base.observation_shape)
        self.name = f"{self.name}_{self.base.name}"

    @property
    def stochastic(self):
        return getattr(self.base, "stochastic", False)

    def render(self, factors, draws=None):
        """Factor values [N, F] -> float32 images [N, H, W, C] in [0, 1]."""
        factors = tf.constant(self.check_factors(factors), tf.int64)
        return self.render_tf(factors, None if draws is None else tf.constant(draws, tf.int64)).numpy()

    def render_tf(self, factors, draws=None):
        factors = tf.cast(factors, tf.int64)
        images = self.base.render_tf(factors, draws) if self.stochastic else self.base.render_tf(factors)
        images = tf.cast(images, tf.float32) / 255.0 if images.dtype == tf.uint8 else tf.cast(images, tf.float32)
        return tf.clip_by_value(images + self.eps * self.perturbation(factors), 0.0, 1.0)


@register("perturbed")
class Perturbed(Wrapper):
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
    """

    name = "perturbed"

    def __init__(self, base, eps=0.1, s=None, model=None, pattern_seed=0, scale=1.0, cache_dir=None,
                 cache_key=None, batch_size=256):
        super().__init__(base, eps)
        self.pattern_seed, self.scale = int(pattern_seed), float(scale)
        height, width = self.observation_shape[:2]
        rng = np.random.default_rng(self.pattern_seed)
        self.pattern = rng.choice(np.array([-1.0, 1.0], np.float32), (height, width))
        self.columns = rng.integers(1, 5, width)  # c_j in {1, 2, 3, 4}
        if isinstance(s, str) and s.endswith(".keras"):
            s, model = None, _load_frame(s)
        if isinstance(s, str):
            s = np.load(s, allow_pickle=False)
        if s is None and model is None:
            raise ValueError("Perturbed: give s (array, .npy path or callable) or a trained model (or its .keras path)")
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
                temp = f"{self.cache_path}.{os.getpid()}.tmp"
                with open(temp, "wb") as f:
                    np.save(f, self.s)
                os.replace(temp, self.cache_path)
        if self.s.shape != (len(self.base),) or not np.all(np.isfinite(self.s)):
            raise ValueError(f"Perturbed: s must hold one finite value per element, shape ({len(self.base)},), got {self.s.shape}")

    def _cache_path(self, cache_dir):
        from kvae.data.stats import config_key

        key = json.dumps({"base": config_key(self.base), "s": self.s_key}, sort_keys=True, default=str)
        filename = f"perturbed_s-{self.base.name}-{hashlib.sha1(key.encode()).hexdigest()[:16]}.npy"
        directory = cache_dir
        base_path = getattr(self.base, "path", None)
        if directory is None and isinstance(base_path, str):
            directory = base_path if os.path.isdir(base_path) else os.path.dirname(base_path)
            if not os.access(directory, os.W_OK):
                directory = None
        return os.path.join(files.cache_dir(directory), filename)

    def patterns(self, s):
        """f(s) for scalars s [N]: float32 [N, H, W] in {-1, 1} (eq. 8)."""
        return self.pattern_tf(tf.constant(np.asarray(s, np.float32))).numpy()

    def pattern_tf(self, s):
        height, width = self.pattern.shape
        shift = tf.cast(tf.floor(self.scale * s[:, None] / tf.constant(self.columns, tf.float32) + 0.5), tf.int64)  # [N, W]
        rows = tf.math.floormod(tf.range(height, dtype=tf.int64)[None, :, None] + shift[:, None, :], height)
        return tf.gather(tf.reshape(tf.constant(self.pattern), [-1]), rows * width + tf.range(width, dtype=tf.int64))

    def perturbation(self, factors):
        s = tf.gather(tf.constant(self.s), index_tf(self.factor_sizes, factors))
        return self.pattern_tf(s)[..., None]

    def __repr__(self):
        return f"Perturbed({self.base!r}, eps={self.eps}, s={self.s_key!r}, pattern_seed={self.pattern_seed})"


@register("uniform_noise")
class UniformNoise(Wrapper):
    """`clip(x + U[-eps, eps], 0, 1)`, the control of Zietlow et al. 2021 (section 5), noise fixed per element by `seed`."""

    name = "uniform_noise"

    def __init__(self, base, eps=0.1, seed=0):
        super().__init__(base, eps)
        self.seed = int(seed)

    def perturbation(self, factors):
        keys = noise.mix(index_tf(self.factor_sizes, factors), self.seed)
        return noise.uniform(keys, self.observation_shape, UNIFORM, -1.0, 1.0)

    def __repr__(self):
        return f"UniformNoise({self.base!r}, eps={self.eps}, seed={self.seed})"


def element_values(fn, data, batch_size=256):
    """`fn(images)` for every element of `data` in index order: float32 [len(data)]."""
    out = []
    for start in range(0, len(data), batch_size):
        factors = data.index_to_factors(np.arange(start, min(start + batch_size, len(data))))
        out.append(np.asarray(fn(to_float(data.render(factors))), np.float32).reshape(-1))
    return np.concatenate(out)


def least_noisy_code(model, data, batch_size=256):
    """Zietlow et al. eq. 6: the posterior mean of latent j = argmin_k <sigma_k^2> for every element."""
    means, variances = [], 0.0
    for start in range(0, len(data), batch_size):
        factors = data.index_to_factors(np.arange(start, min(start + batch_size, len(data))))
        mean, logvar = model.encode(to_float(data.render(factors)))
        means.append(np.asarray(mean, np.float32))
        variances = variances + np.exp(np.asarray(logvar, np.float64)).sum(axis=0)
    return np.concatenate(means)[:, int(np.argmin(variances))]


def _load_frame(path):
    import keras

    import kvae.frames  # noqa: F401  (registers the frames for deserialisation)

    return keras.saving.load_model(path, safe_mode=True)
