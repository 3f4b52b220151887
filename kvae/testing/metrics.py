"""The metric contract test, and cheap data and representations for testing and benchmarking the metrics."""

import inspect

import numpy as np

from kvae.data.ground_truth import GroundTruthData

__all__ = [
    "SCORES",
    "FactorPixels",
    "factor_codes",
    "hadamard_rotation",
    "linear_codes",
    "noise_codes",
    "random_rotation",
    "run_metric_test",
    "small_settings",
]


def _largest_size_accuracy(result):
    """The mean test accuracy at the largest training size of a downstream result."""
    sizes = [int(key.split(":")[0]) for key in result if key.endswith(":mean_test_accuracy")]
    return result[f"{max(sizes)}:mean_test_accuracy"]


# The score of each of kvae's metrics that a factor-aligned representation raises (higher is better): a result
# key, or a function of the result; a list is averaged. Left out: "unsupervised" (total correlations of
# independent noise are as low as those of independent factors).
SCORES = {
    "mig": "mig",
    "beta_vae": "eval_accuracy",
    "factor_vae": "eval_accuracy",
    "dci": "disentanglement",
    "sap": "sap_score",
    "modularity_explicitness": "explicitness_score_test",
    "irs": "irs",
    "downstream_logistic_regression": _largest_size_accuracy,
    "downstream_gradient_boosting": _largest_size_accuracy,
    "mic": "mic_max_per_factor",
    "active_units": "num_active_units",
    "udr_lasso": "model_scores",
    "udr_spearman": "model_scores",
}


def run_metric_test(metric, data=None, settings=None, score=None, margin=0.2, seed=0):
    """Checks that a metric keeps the contract of `kvae.metrics`; raises AssertionError if not.

    On `FactorPixels` (whose pixels give the factors back), with a factor-aligned representation
    (standardised factors plus noise of std 0.05, log-variance -3) and a random one (standard
    normal noise, log-variance 0): the result keys are the same for both and for every call, every
    value is finite, the same seed gives the same result, and `score` of the factor-aligned
    representation exceeds that of the random one by `margin`.

    Args:
        metric: a name in `kvae.metrics.METRICS`, or a compute function
            `(data, representation_fn, random_state, **settings) -> dict`; one whose second
            argument is `representation_fns` gets a list of two representations (UDR).
        data: a `FactorPixels` (the representations read the factors off its pixels); default
            four factors of 2 or 3 values, which keep the classifiers of DCI and downstream cheap.
        settings: the metric's keyword arguments; default `small_settings(fn)`.
        score: the result key (or a function of the result) a factor-aligned representation
            raises; default `SCORES[metric]` for a name; None skips that check.

    Example:

        from kvae.testing import run_metric_test

        def test_my_metric():
            run_metric_test(compute_my_metric, score="my_score")
    """
    import kvae.metrics  # noqa: PLC0415 (the metrics import scikit-learn)

    name = metric if isinstance(metric, str) else getattr(metric, "__name__", repr(metric))
    if isinstance(metric, str):
        score = SCORES.get(metric) if score is None else score
        metric = kvae.metrics.METRICS[metric]
    data = data or FactorPixels((2, 3, 2, 2))
    settings = small_settings(metric) if settings is None else settings
    dims = data.num_factors
    pairs = "representation_fns" in inspect.signature(metric).parameters

    def aligned(model=0):
        matrix = np.eye(dims)[np.random.default_rng(model).permutation(dims)] if model else np.eye(dims)
        fn = linear_codes(data, matrix, noise=0.05, logvar=-3.0, seed=model, fixed_noise=True)
        return [fn, aligned(1)] if pairs and not model else fn

    def random(model=0):
        fn = noise_codes(dims, seed=model, logvar=0.0)
        return [fn, random(1)] if pairs and not model else fn

    good = metric(data, aligned(), seed, **settings)
    bad = metric(data, random(), seed, **settings)
    assert isinstance(good, dict) and good, f"{name}: expected a dict of results, got {good!r}"
    assert set(good) == set(bad), (
        f"{name}: the result keys depend on the codes: {sorted(good)} vs {sorted(bad)}"
    )
    for key, value in {**good, **{f"{k} (random codes)": v for k, v in bad.items()}}.items():
        assert np.all(np.isfinite(np.asarray(value, dtype=np.float64))), (
            f"{name}: {key} is not finite: {value}"
        )
    again = metric(data, aligned(), seed, **settings)
    assert again == good, f"{name}: the same seed gave another result: {again} vs {good}"
    if score is not None:
        high, low = (_score(result, score) for result in (good, bad))
        assert high >= low + margin, (
            f"{name}: a factor-aligned representation scores {high:.3f}, a random one {low:.3f}; "
            f"expected at least {margin} more"
        )


def small_settings(metric, divisor=50, least=10, n_jobs=1):
    """Keyword arguments that make a metric cheap: its sample sizes divided by `divisor`, one job.

    Sample sizes are the integer defaults of 100 or more of the arguments named `num_*` (never the
    bins, for instance), and the tuples of sizes of those named `num_*` or `*_sizes`; each becomes
    `max(size // divisor, least)`.
    """
    small = lambda size: max(size // divisor, least)  # noqa: E731
    settings = {}
    for name, parameter in inspect.signature(metric).parameters.items():
        default = parameter.default
        if name == "n_jobs":
            settings[name] = n_jobs
        elif (
            name.startswith("num_")
            and isinstance(default, int)
            and not isinstance(default, bool)
            and default >= 100
        ):
            settings[name] = small(default)
        elif (name.startswith("num_") or name.endswith("_sizes")) and isinstance(default, tuple):
            settings[name] = tuple(sorted({small(size) for size in default}))
    return settings


def _score(result, score):
    value = score(result) if callable(score) else result[score]
    return float(np.mean(value))


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
    """The orthogonal Hadamard matrix / sqrt(dim) (dim a power of 2): each latent mixes all factors alike."""
    import scipy.linalg

    return scipy.linalg.hadamard(dim) / np.sqrt(dim)
