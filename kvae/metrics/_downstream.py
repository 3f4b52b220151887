"""Downstream classification and its sample efficiency (Locatello et al., 2019)."""

import functools

from kvae.metrics import _utils as utils
from kvae.metrics._predictors import PREDICTORS, make_predictor
from kvae.metrics._registry import METRICS

__all__ = ["PREDICTORS", "compute_downstream", "downstream", "make_predictor"]


def downstream(
    train_codes, train_factors, test_codes, test_factors, predictor="logistic_regression", seed=0, n_jobs=-1
):
    """Accuracy of one classifier per factor trained on the codes.

    `predictor`: "logistic_regression", "gradient_boosting" (exact modes),
    "fast_logistic_regression" or "hist_gradient_boosting" (fast modes); see `predictors.make_predictor`.

    The logistic regression keeps scikit-learn's default iteration limit, as
    disentanglement_lib; its convergence warnings, routine for the large C of
    the grid on small separable training sets, are silenced.

    Returns:
      {"train_accuracy_per_factor", "test_accuracy_per_factor" ([F] lists),
      "mean_train_accuracy", "mean_test_accuracy", "min_train_accuracy", "min_test_accuracy"}.
    """
    split = (train_codes, train_factors, test_codes, test_factors)
    return _scores(*_fit_splits([split], predictor, seed, n_jobs)[0])


def _fit_splits(splits, predictor, seed, n_jobs):
    """Per split: (train accuracies [F], test accuracies [F]) of one `predictor` per factor, all in one
    pool."""
    splits = [
        utils.check_codes_factors(x_train, y_train) + utils.check_codes_factors(x_test, y_test)
        for x_train, y_train, x_test, y_test in splits
    ]
    results = utils.fit_per_factor_splits(make_predictor(predictor, seed), splits, n_jobs=n_jobs, quiet=True)
    return [(train, test) for train, test, _ in results]


def _scores(train, test):
    return {
        "train_accuracy_per_factor": train.tolist(),
        "test_accuracy_per_factor": test.tolist(),
        "mean_train_accuracy": float(train.mean()),
        "mean_test_accuracy": float(test.mean()),
        "min_train_accuracy": float(train.min()),
        "min_test_accuracy": float(test.min()),
    }


def compute_downstream(
    data,
    representation_fn,
    random_state,
    predictor="logistic_regression",
    num_train=(10, 100, 1000, 10000),
    num_test=5000,
    efficiency_sizes=(100, 10000),
    n_jobs=-1,
    encode_batch_size=utils.DEFAULT_BATCH_SIZE,
):
    """Downstream accuracies for each training-set size, and the sample efficiency.

    Each size draws its own training and test sets, as disentanglement_lib; the
    classifiers of all sizes then train together in one pool.
    Keys are "<size>:<key of `downstream`>" and "sample_efficiency", the mean
    test accuracy at `efficiency_sizes[0]` points divided by that at
    `efficiency_sizes[1]` points.
    """
    missing = set(efficiency_sizes) - set(num_train)
    if len(efficiency_sizes) != 2 or missing:
        raise ValueError(
            f"efficiency_sizes must be two of the training sizes {tuple(num_train)}, got "
            f"{tuple(efficiency_sizes)}"
        )
    make_predictor(predictor)
    rng = utils.as_rng(random_state)
    seed = utils.draw_seed(rng)
    splits = [
        utils.sample_train_test(data, representation_fn, size, num_test, rng, encode_batch_size)
        for size in num_train
    ]
    scores = {}
    for size, accuracies in zip(num_train, _fit_splits(splits, predictor, seed, n_jobs)):
        scores.update({f"{size}:{key}": value for key, value in _scores(*accuracies).items()})
    small, large = (scores[f"{size}:mean_test_accuracy"] for size in efficiency_sizes)
    scores["sample_efficiency"] = small / large
    return scores


# One registered metric per predictor of disentanglement_lib's downstream task.
for _predictor in ("logistic_regression", "gradient_boosting"):
    METRICS.register(f"downstream_{_predictor}", functools.partial(compute_downstream, predictor=_predictor))
