"""The classifiers that DCI and downstream fit per factor, exact (disentanglement_lib's) or fast."""

import inspect

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import KFold

from kvae.metrics import _parallel as parallel

__all__ = [
    "PREDICTORS", "EXACT_PREDICTORS", "FAST_PREDICTORS",
    "make_predictor", "feature_importances", "fit_and_score", "mode",
]  # fmt: skip

EXACT_PREDICTORS = ("logistic_regression", "gradient_boosting")  # disentanglement_lib's
FAST_PREDICTORS = ("fast_logistic_regression", "hist_gradient_boosting")  # opt-in; values differ from dlib's
PREDICTORS = EXACT_PREDICTORS + FAST_PREDICTORS


def mode(predictor):
    """ "fast" for a fast-mode predictor, else "exact" (disentanglement_lib's protocol)."""
    return "fast" if predictor in FAST_PREDICTORS else "exact"


def make_predictor(name, seed=0, choices=PREDICTORS):
    """A seeded, unfitted classifier by name (disentanglement_lib leaves its trees unseeded).

    "logistic_regression": `LogisticRegressionCV(Cs=10, cv=KFold(5))`;
    "gradient_boosting": `GradientBoostingClassifier()` (exact mode);
    "fast_logistic_regression": the same cross-validated logistic regression, stopped at
    tolerance 1e-3 instead of 1e-4 (fast mode: about 3x fewer iterations on 40 classes);
    "hist_gradient_boosting": `HistGradientBoostingClassifier`, the fast mode: features
    binned into 255 values, otherwise the exact mode's boosting (100 iterations of
    depth-3 trees, leaves of 1 point or more, learning rate 0.1, no early stopping;
    fewer iterations at a higher rate diverge on small training sets with such leaves).
    """
    if name not in choices:
        raise ValueError(f"unknown predictor {name!r}; known predictors: {', '.join(choices)}")
    if name in ("logistic_regression", "fast_logistic_regression"):
        kwargs = {} if name == "logistic_regression" else dict(tol=1e-3)
        if "use_legacy_attributes" in inspect.signature(LogisticRegressionCV).parameters:
            # scikit-learn >= 1.8: the same model, spelled without deprecated defaults.
            kwargs.update(l1_ratios=(0.0,), use_legacy_attributes=False)
        return LogisticRegressionCV(Cs=10, cv=KFold(5), scoring="accuracy", random_state=seed, **kwargs)
    if name == "gradient_boosting":
        return GradientBoostingClassifier(random_state=seed)
    return HistGradientBoostingClassifier(
        max_depth=3, min_samples_leaf=1, early_stopping=False, random_state=seed
    )


def feature_importances(model, num_features):
    """Importance of each feature [num_features] of a fitted tree ensemble, summing to 1 (or all 0).

    `GradientBoostingClassifier`: its impurity-based `feature_importances_`.
    `HistGradientBoostingClassifier` has none; its importances are the split
    gains of every tree summed per feature and normalised (LightGBM's "gain").
    """
    if hasattr(model, "feature_importances_"):
        return np.abs(model.feature_importances_)
    gains = np.zeros(num_features)
    for iteration in model._predictors:
        for tree in iteration:
            splits = tree.nodes[~tree.nodes["is_leaf"].astype(bool)]
            np.add.at(gains, splits["feature_idx"], splits["gain"])
    total = gains.sum()
    return gains / total if total > 0 else gains


def fit_and_score(estimator, x_train, y_train, x_test, y_test, importances=False):
    """Fits `estimator` to predict y from x, in a pool worker (`parallel.map_pinned`).

    The predictions run there too, on the worker's pinned threads: a
    `HistGradientBoostingClassifier` predicting in the main process would start
    an OpenMP team on every core, which under load waits for its slowest thread at each of its trees.

    Returns:
      (train accuracy, test accuracy, importances [D] (`feature_importances`) or None unless `importances`).
    """
    model = estimator.fit(x_train, y_train)
    weights = feature_importances(model, x_train.shape[1]) if importances else None
    return np.mean(model.predict(x_train) == y_train), np.mean(model.predict(x_test) == y_test), weights


parallel.send_by_value(__name__)  # `fit_and_score` and `feature_importances`
