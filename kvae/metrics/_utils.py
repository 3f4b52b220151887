"""Pieces shared by the metrics: seeding, sampling codes, discretisation, information."""

import logging
import time
import warnings

import numpy as np
import sklearn.metrics
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from kvae.metrics import _parallel as parallel
from kvae.metrics import _predictors as predictors
from kvae.metrics._representation import SharedCodes

DEFAULT_BATCH_SIZE = 1024  # images rendered and encoded per chunk
logger = logging.getLogger("kvae.metrics")  # INFO: progress of sampling and fitting (kvae-evaluate shows it)


def as_rng(random_state):
    """An int seed or a `numpy.random.Generator` -> a `numpy.random.Generator`."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state))
    raise TypeError(
        f"random_state must be an int seed or a numpy.random.Generator, got {type(random_state).__name__}"
    )


def draw_seed(rng):
    """An int seed for a scikit-learn model, drawn from `rng`."""
    return int(rng.integers(2**31 - 1))


# --- Representations -------------------------------------------------------------


def _split_output(output):
    """A representation function's output -> (mean [N, D], logvar [N, D] or None)."""
    if isinstance(output, (tuple, list)):
        if len(output) != 2:
            raise ValueError(
                f"a representation function returns codes [N, D] or a (mean, logvar) pair, got a "
                f"sequence of {len(output)} arrays"
            )
        mean, logvar = (np.asarray(a, dtype=np.float64) for a in output)
        return mean, logvar
    return np.asarray(output, dtype=np.float64), None


def encode_mean_logvar(data, representation_fn, factors, batch_size=DEFAULT_BATCH_SIZE):
    """Renders `factors` [..., F] with `data` and encodes them in chunks of `batch_size` images.

    A `SharedCodes` representation encodes only the images it has not encoded before.

    Returns:
      (codes [..., D], logvar [..., D]), where logvar is None unless the
      representation function returns (mean, logvar) pairs, and codes are then the means.
    """
    factors = np.asarray(factors)
    lead, flat = factors.shape[:-1], factors.reshape(-1, factors.shape[-1])
    if isinstance(representation_fn, SharedCodes):
        mean, logvar = representation_fn.codes(
            data,
            data.factors_to_index(flat),
            lambda indices: _encode_chunks(
                data,
                representation_fn.representation_fn,
                data.index_to_factors(indices),
                batch_size,
                len(flat),
            ),
        )
    else:
        mean, logvar = _encode_chunks(data, representation_fn, flat, batch_size, len(flat))
    return mean.reshape(lead + (-1,)), None if logvar is None else logvar.reshape(lead + (-1,))


def _encode_chunks(data, representation_fn, factors, batch_size, drawn):
    """(mean [N, D], logvar [N, D] or None) of the images of `factors` [N, F], in chunks; one progress
    line."""
    outputs, started = [], time.perf_counter()
    for start in range(0, len(factors), batch_size):
        outputs.append(
            _split_output(representation_fn(data.observations(factors[start : start + batch_size])))
        )
        if start == 0 and len(factors) > batch_size:
            rate = len(outputs[0][0]) / (time.perf_counter() - started)
            logger.info(
                "encoding %d images%s: %.0f/s, about %s left",
                len(factors),
                f" ({drawn} drawn, the others were encoded before)" if drawn > len(factors) else "",
                rate, format_seconds((len(factors) - batch_size) / rate),
            )  # fmt: skip
    means, logvars = zip(*outputs)
    if any(logvar is None for logvar in logvars):
        return np.concatenate(means), None
    return np.concatenate(means), np.concatenate(logvars)


def format_seconds(seconds):
    """A duration for a progress line: "42 s", "3 min 20 s"."""
    seconds = int(round(seconds))
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60} s"


def encode(data, representation_fn, factors, batch_size=DEFAULT_BATCH_SIZE, posterior=False):
    """Renders `factors` [..., F] with `data` and encodes them in batches.

    Args:
      data: a `GroundTruthData`.
      representation_fn: images float32 [N, H, W, C] -> codes [N, D], or a
        (mean, logvar) pair for a Gaussian posterior (see `representation_function`).
      factors: int array [..., F]; leading axes are kept in the result.
      batch_size: images rendered and encoded at once.
      posterior: return (mean, logvar) instead of codes; needs a representation
        function that returns the pair.

    Returns:
      codes [..., D] (the mean when the function returns a pair), or (mean, logvar).
    """
    mean, logvar = encode_mean_logvar(data, representation_fn, factors, batch_size)
    if not posterior:
        return mean
    if logvar is None:
        raise ValueError(
            "this metric needs posterior variances: the representation function must return "
            "(mean, logvar), e.g. representation_function(model, mode='posterior'); it returned "
            "a single array"
        )
    return mean, logvar


def sample_codes(data, representation_fn, num_points, rng, batch_size=DEFAULT_BATCH_SIZE, posterior=False):
    """Draws `num_points` factor vectors and encodes their images.

    Returns:
      (codes [N, D], factors [N, F]), or ((mean, logvar), factors) when `posterior`.
    """
    factors = data.sample_factors(num_points, rng)
    return encode(data, representation_fn, factors, batch_size, posterior), factors


def sample_train_test(data, representation_fn, num_train, num_test, rng, batch_size=DEFAULT_BATCH_SIZE):
    """Independent train and test draws: (codes_train, factors_train, codes_test, factors_test)."""
    codes, factors = sample_codes(data, representation_fn, num_train + num_test, rng, batch_size)
    return codes[:num_train], factors[:num_train], codes[num_train:], factors[num_train:]


def sample_fixed_factor_batches(data, num_batches, batch_size, rng):
    """Factor batches [M, B, F] and the index [M] of a factor shared by each batch.

    In batch m, factor `fixed[m]` takes the value of the batch's first element
    (Kim & Mnih, 2018).
    """
    factors = data.sample_factors(num_batches * batch_size, rng).reshape(num_batches, batch_size, -1)
    fixed = rng.integers(data.num_factors, size=num_batches)
    rows = np.arange(num_batches)
    factors[rows, :, fixed] = factors[rows, 0, fixed][:, None]
    return factors, fixed


def sample_pair_batches(data, num_batches, batch_size, rng):
    """Two factor batches [M, 2, B, F] that agree pairwise on factor `fixed[m]`.

    The sampling of the BetaVAE score (Higgins et al., 2017).
    """
    factors = data.sample_factors(num_batches * 2 * batch_size, rng).reshape(num_batches, 2, batch_size, -1)
    fixed = rng.integers(data.num_factors, size=num_batches)
    rows = np.arange(num_batches)
    factors[rows, 1, :, fixed] = factors[rows, 0, :, fixed]
    return factors, fixed


# --- Discretisation and information ----------------------------------------------


def check_codes_factors(codes, factors):
    """Returns codes [N, D] and factors [N, F] as arrays; raises on mismatched shapes."""
    codes, factors = np.asarray(codes), np.asarray(factors)
    if codes.ndim != 2 or factors.ndim != 2 or len(codes) != len(factors):
        raise ValueError(
            f"expected codes [N, D] and factors [N, F] with the same N, got {codes.shape} and {factors.shape}"
        )
    return codes, factors


def histogram_discretize(values, num_bins=20):
    """Bins each column of `values` [N, D] into `num_bins` equal-width bins -> ints in 1..num_bins.

    As disentanglement_lib: edges from `np.histogram`, labels from `np.digitize`.
    """
    values = np.asarray(values)
    out = np.empty(values.shape, dtype=np.int64)
    for j in range(values.shape[1]):
        edges = np.histogram(values[:, j], num_bins)[1][:-1]
        out[:, j] = np.digitize(values[:, j], edges)
    return out


def discrete_mutual_info(a, b):
    """Mutual information (nats) of every column of `a` [N, D] with every column of `b` [N, F] -> [D, F]."""
    a, b = np.asarray(a), np.asarray(b)
    return np.array(
        [
            [sklearn.metrics.mutual_info_score(b[:, j], a[:, i]) for j in range(b.shape[1])]
            for i in range(a.shape[1])
        ]
    ).reshape(a.shape[1], b.shape[1])


def discrete_entropy(a):
    """Entropy (nats) of each column of `a` [N, F] -> [F]."""
    a = np.asarray(a)
    return np.array([sklearn.metrics.mutual_info_score(a[:, j], a[:, j]) for j in range(a.shape[1])])


def check_entropy(entropy, metric):
    """Returns `entropy` [F]; raises when a factor is constant in the sample (entropy 0)."""
    constant = np.flatnonzero(entropy <= 0)
    if constant.size:
        raise ValueError(
            f"{metric} normalises by factor entropies, but factors {constant.tolist()} take a single "
            "value in the sample; drop them or sample more points"
        )
    return entropy


def standardize(train, test=None, keep_constant=True):
    """Scales columns to zero mean and unit variance using the statistics of `train`.

    Constant columns become 0 (`keep_constant`) or nan.
    """
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0 if keep_constant else np.nan)
    if test is None:
        return (train - mean) / std
    return (train - mean) / std, (test - mean) / std


# --- Per-factor predictors -------------------------------------------------------


def fit_many(jobs, n_jobs=None, quiet=False, costs=None):
    """Fits (estimator, x, y) jobs in a pool sized to the run's cores; returns the fitted clones, in order.

    Give the slowest jobs first: they are dispatched in order. The workers run
    scikit-learn only (no kvae import, hence no deep-learning backend in them);
    see `parallel.map_pinned`. One progress line, once the first job is done,
    estimates the time left from `costs` (relative cost of each job; default:
    its number of points). `quiet` silences scikit-learn's convergence warnings.
    """
    jobs = list(jobs)
    calls = [(clone(estimator).fit, (x, y)) for estimator, x, y in jobs]
    costs = [len(x) for _, x, _ in jobs] if costs is None else costs
    return _run_fits(calls, costs, _describe(jobs), n_jobs, quiet)


def _describe(jobs):
    """ "<estimator> on up to <N> points" for (estimator, x, y) jobs."""
    return f"{type(jobs[0][0]).__name__} on up to {max(len(x) for _, x, _ in jobs)} points" if jobs else ""


def _run_fits(calls, costs, description, n_jobs, quiet):
    """The results of fitting `calls` (fn, args) of relative `costs` in the pool; see `fit_many`."""
    workers = parallel.num_workers(n_jobs, len(calls)) if calls else 1
    started, results = time.perf_counter(), []
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", ConvergenceWarning)
        for result in parallel.map_pinned(calls, workers):
            if not results:
                left = (time.perf_counter() - started) * (sum(costs) / costs[0] - 1) / workers
                logger.info(
                    "fitting %d %s, %d worker%s: about %s left",
                    len(calls), description, workers, "s" * (workers > 1), format_seconds(left),
                )  # fmt: skip
            results.append(result)
    return results


def fit_per_factor(estimator, x_train, y_train, x_test, y_test, importances=False, n_jobs=None, quiet=False):
    """Fits a clone of `estimator` per factor to predict it from the codes, in parallel.

    See `fit_per_factor_splits`, of which this is the one-split case.
    """
    split = (x_train, y_train, x_test, y_test)
    return fit_per_factor_splits(estimator, [split], importances, n_jobs, quiet)[0]


def fit_per_factor_splits(estimator, splits, importances=False, n_jobs=None, quiet=False):
    """Fits a clone of `estimator` per factor and per split, all in one pool; each worker also scores its fit.

    The slowest fits (most points times classes) are dispatched first, so
    that the cores finish together. A factor that shows a single value in a
    training set is predicted as that value (scikit-learn classifiers refuse
    one class).

    Args:
      splits: (x_train [N, D], y_train [N, F], x_test, y_test) tuples.

    Returns:
      per split: train accuracies [F], test accuracies [F], and with
      `importances` the importances [D, F] (`predictors.feature_importances`; else None).
    """
    jobs, costs = {}, {}
    for s, (x_train, y_train, x_test, y_test) in enumerate(splits):
        for j in range(y_train.shape[1]):
            classes = len(np.unique(y_train[:, j]))
            if classes > 1:
                jobs[s, j] = (estimator, x_train, y_train[:, j], x_test, y_test[:, j])
                costs[s, j] = classes * len(x_train)
    order = sorted(jobs, key=lambda key: -costs[key])
    calls = [(predictors.fit_and_score, (clone(jobs[k][0]),) + jobs[k][1:] + (importances,)) for k in order]
    description = _describe([jobs[key][:3] for key in order])
    scores = dict(zip(order, _run_fits(calls, [costs[key] for key in order], description, n_jobs, quiet)))
    results = []
    for s, (x_train, y_train, _, y_test) in enumerate(splits):
        no_weights = np.zeros(x_train.shape[1]) if importances else None
        train_acc, test_acc, weights = zip(
            *(
                # A factor with one value in the training set is predicted as that value.
                scores.get((s, j)) or (np.mean(y_train[:, j] == v), np.mean(y_test[:, j] == v), no_weights)
                for j, v in enumerate(y_train[0])
            )
        )
        weights = np.stack(weights, axis=1) if importances else None
        results.append((np.array(train_acc), np.array(test_acc), weights))
    return results
