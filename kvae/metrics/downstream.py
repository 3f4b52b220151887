"""Downstream classification and its sample efficiency (Locatello et al., 2019)."""

import inspect

from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import KFold

from kvae.metrics import utils

PREDICTORS = ("logistic_regression", "gradient_boosting")


def make_predictor(name, seed=0):
    """"logistic_regression": `LogisticRegressionCV(Cs=10, cv=KFold(5))`; "gradient_boosting":
    `GradientBoostingClassifier()`; both seeded (disentanglement_lib leaves the trees unseeded)."""
    if name == "logistic_regression":
        kwargs = {}
        if "use_legacy_attributes" in inspect.signature(LogisticRegressionCV).parameters:
            # scikit-learn >= 1.8: the same model, spelled without deprecated defaults.
            kwargs = dict(l1_ratios=(0.0,), use_legacy_attributes=False)
        return LogisticRegressionCV(Cs=10, cv=KFold(n_splits=5), scoring="accuracy", random_state=seed, **kwargs)
    if name == "gradient_boosting":
        return GradientBoostingClassifier(random_state=seed)
    raise ValueError(f"unknown predictor {name!r}; known predictors: {', '.join(PREDICTORS)}")


def downstream(
    train_codes, train_factors, test_codes, test_factors, predictor="logistic_regression", seed=0, n_jobs=-1
):
    """Accuracy of one classifier per factor trained on the codes.

    The logistic regression keeps scikit-learn's default iteration limit, as
    disentanglement_lib; its convergence warnings, routine for the large C of
    the grid on small separable training sets, are silenced.

    Returns:
      {"train_accuracy_per_factor", "test_accuracy_per_factor" ([F] lists),
      "mean_train_accuracy", "mean_test_accuracy", "min_train_accuracy", "min_test_accuracy"}.
    """
    train_codes, train_factors = utils.check_codes_factors(train_codes, train_factors)
    test_codes, test_factors = utils.check_codes_factors(test_codes, test_factors)
    train, test, _ = utils.fit_per_factor(
        make_predictor(predictor, seed), train_codes, train_factors, test_codes, test_factors, n_jobs=n_jobs, quiet=True
    )
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

    Each size draws its own training and test sets, as disentanglement_lib.
    Keys are "<size>:<key of `downstream`>" and "sample_efficiency", the mean
    test accuracy at `efficiency_sizes[0]` points divided by that at
    `efficiency_sizes[1]` points.
    """
    missing = set(efficiency_sizes) - set(num_train)
    if len(efficiency_sizes) != 2 or missing:
        raise ValueError(
            f"efficiency_sizes must be two of the training sizes {tuple(num_train)}, got {tuple(efficiency_sizes)}"
        )
    make_predictor(predictor)
    rng = utils.as_rng(random_state)
    seed = utils.draw_seed(rng)
    scores = {}
    for size in num_train:
        split = utils.sample_train_test(data, representation_fn, size, num_test, rng, encode_batch_size)
        result = downstream(*split, predictor=predictor, seed=seed, n_jobs=n_jobs)
        scores.update({f"{size}:{key}": value for key, value in result.items()})
    small, large = (scores[f"{size}:mean_test_accuracy"] for size in efficiency_sizes)
    scores["sample_efficiency"] = small / large
    return scores
