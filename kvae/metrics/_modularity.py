"""Modularity and explicitness (Ridgeway & Mozer, 2018, "Learning Deep Disentangled
Embeddings With the F-Statistic Loss")."""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from kvae.metrics import _utils as utils
from kvae.metrics._registry import METRICS


def modularity(mutual_information):
    """Modularity from a mutual-information matrix [D, F]; latents with no information score 0."""
    squared = np.square(np.asarray(mutual_information, dtype=np.float64))
    top = squared.max(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (squared.sum(axis=1) - top) / (top * (squared.shape[1] - 1.0))
    return float(np.mean(np.where(top > 0, 1.0 - delta, 0.0)))


def _macro_auc(labels, classes, probabilities):
    """One-vs-rest ROC-AUC averaged over the classes that occur and do not fill `labels`."""
    scores = []
    for c, cls in enumerate(classes):
        positive = labels == cls
        if 0 < positive.sum() < len(labels):
            scores.append(roc_auc_score(positive, probabilities[:, c]))
    return float(np.mean(scores)) if scores else float("nan")


def explicitness_per_factor(model, train_codes, train_labels, test_codes, test_labels):
    """ROC-AUC (train, test) of a fitted logistic regression predicting one factor from all latents."""
    return tuple(
        _macro_auc(labels, model.classes_, model.predict_proba(codes))
        for codes, labels in ((train_codes, train_labels), (test_codes, test_labels))
    )


def modularity_explicitness(
    train_codes, train_factors, test_codes, test_factors, num_bins=20, seed=0, n_jobs=-1
):
    """Modularity (from 20-bin discretised mutual information) and explicitness.

    Explicitness standardises the codes with training statistics and averages
    the one-vs-rest ROC-AUC of a logistic regression per factor, as
    disentanglement_lib; the regressions train in parallel on `n_jobs` of the run's cores.

    Returns:
      {"modularity_score", "explicitness_score_train", "explicitness_score_test"}.
    """
    train_codes, train_factors = utils.check_codes_factors(train_codes, train_factors)
    test_codes, test_factors = utils.check_codes_factors(test_codes, test_factors)
    mi = utils.discrete_mutual_info(utils.histogram_discretize(train_codes, num_bins), train_factors)
    x_train, x_test = utils.standardize(train_codes, test_codes)
    factors = range(train_factors.shape[1])
    regression = LogisticRegression(random_state=seed)
    models = utils.fit_many([(regression, x_train, train_factors[:, j]) for j in factors], n_jobs)
    auc = np.array(
        [
            explicitness_per_factor(model, x_train, train_factors[:, j], x_test, test_factors[:, j])
            for j, model in zip(factors, models)
        ]
    )
    return {
        "modularity_score": modularity(mi),
        "explicitness_score_train": float(np.mean(auc[:, 0])),
        "explicitness_score_test": float(np.mean(auc[:, 1])),
    }


@METRICS.register("modularity_explicitness")
def compute_modularity_explicitness(
    data,
    representation_fn,
    random_state,
    num_train=10000,
    num_test=5000,
    num_bins=20,
    n_jobs=-1,
    encode_batch_size=utils.DEFAULT_BATCH_SIZE,
):
    """Modularity and explicitness of `representation_fn` on `data` (study defaults)."""
    rng = utils.as_rng(random_state)
    seed = utils.draw_seed(rng)
    split = utils.sample_train_test(data, representation_fn, num_train, num_test, rng, encode_batch_size)
    return modularity_explicitness(*split, num_bins=num_bins, seed=seed, n_jobs=n_jobs)
