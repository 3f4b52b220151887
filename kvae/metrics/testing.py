"""Cheap synthetic data and representations for testing and benchmarking the metrics."""

import numpy as np

from kvae.data.ground_truth import GroundTruthData


class FactorPixels(GroundTruthData):
    """A ground-truth dataset whose image is one row of pixels, pixel j encoding factor j.

    Pixel j of the 1 x F x 1 image is (factor_j + 0.5) / size_j, so a
    representation can read the factors back exactly (`factor_codes`).
    """

    name = "factor_pixels"

    def __init__(self, factor_sizes=(3, 6, 40, 32, 32)):
        self.factor_sizes = tuple(int(s) for s in factor_sizes)
        self.factor_names = tuple(f"factor_{j}" for j in range(len(self.factor_sizes)))
        self.observation_shape = (1, len(self.factor_sizes), 1)

    def render(self, factors):
        factors = np.asarray(factors)
        pixels = (factors + 0.5) / np.asarray(self.factor_sizes)
        return pixels.reshape((len(factors),) + self.observation_shape).astype(np.float32)


def factor_codes(data):
    """Representation images -> the factor values themselves, float [N, F]."""
    sizes = np.asarray(data.factor_sizes)

    def fn(images):
        return np.round(images.reshape(len(images), -1) * sizes - 0.5)

    return fn


def linear_codes(data, matrix, noise=0.0, logvar=None, seed=0, fixed_noise=False):
    """Representation images -> standardised factors @ `matrix` + Gaussian noise.

    With `logvar` (an array [D] or float), returns (codes, logvar) pairs like
    `representation_function(model, mode="posterior")`. With `fixed_noise` the
    noise of an image is drawn once (a table over the dataset's images), so the
    codes are a function of the image, like a posterior mean; otherwise every
    call draws fresh noise, like a sampled code.
    """
    sizes = np.asarray(data.factor_sizes, dtype=np.float64)
    matrix = np.asarray(matrix, dtype=np.float64)
    rng = np.random.default_rng(seed)
    read = factor_codes(data)
    table = rng.standard_normal((len(data), matrix.shape[1])) if noise and fixed_noise else None

    def fn(images):
        values = read(images)
        factors = (values - (sizes - 1) / 2) / np.maximum(np.sqrt((sizes**2 - 1) / 12), 1e-12)
        codes = factors @ matrix
        if table is not None:
            codes = codes + noise * table[data.factors_to_index(values.astype(np.int64))]
        elif noise:
            codes = codes + noise * rng.standard_normal(codes.shape)
        if logvar is None:
            return codes
        return codes, np.broadcast_to(np.asarray(logvar, dtype=np.float64), codes.shape)

    return fn


def noise_codes(num_latents, seed=0, logvar=None):
    """Representation images -> standard normal noise [N, num_latents], independent of the images."""
    rng = np.random.default_rng(seed)

    def fn(images):
        codes = rng.standard_normal((len(images), num_latents))
        if logvar is None:
            return codes
        return codes, np.broadcast_to(np.asarray(logvar, dtype=np.float64), codes.shape)

    return fn


def random_rotation(dim, seed=0):
    """A random orthogonal matrix [dim, dim] (QR of a Gaussian matrix)."""
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, dim)))
    return q * np.sign(np.diag(r))


def hadamard_rotation(dim):
    """The orthogonal Hadamard matrix / sqrt(dim) (dim a power of 2): every latent mixes every factor equally."""
    import scipy.linalg

    return scipy.linalg.hadamard(dim) / np.sqrt(dim)


def factor_grid(factor_sizes, repeats=1):
    """Every factor combination `repeats` times, int64 [repeats * prod(sizes), F].

    On the full grid the factors are exactly independent, so empirical mutual
    informations between distinct factors vanish.
    """
    grid = np.stack(np.unravel_index(np.arange(int(np.prod(factor_sizes))), factor_sizes), axis=-1)
    return np.tile(grid, (repeats, 1)).astype(np.int64)
