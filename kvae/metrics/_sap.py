"""Separated Attribute Predictability (Kumar et al., 2018, "Variational Inference of
Disentangled Latent Concepts from Unlabeled Observations", Sec. 3)."""

import numpy as np
from sklearn.svm import LinearSVC

from kvae.metrics import _utils as utils
from kvae.metrics._registry import METRICS


def sap_matrix(
    train_codes,
    train_factors,
    test_codes=None,
    test_factors=None,
    continuous_factors=False,
    seed=0,
    n_jobs=-1,
):
    """Predictability of each factor from each single latent -> [D, F].

    Discrete factors: test accuracy of `LinearSVC(C=0.01, class_weight="balanced")`
    (seeded, unlike disentanglement_lib), fitted in parallel on `n_jobs` of the run's
    cores. Continuous factors: R^2 of a linear fit on the training set, i.e. the
    squared correlation (0 for a constant latent).
    """
    codes, factors = utils.check_codes_factors(train_codes, train_factors)
    if continuous_factors:
        cov = np.cov(codes.T, factors.T, ddof=1)
        d = codes.shape[1]
        var_codes, var_factors, cross = np.diag(cov)[:d], np.diag(cov)[d:], cov[:d, d:]
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = cross**2 / (var_codes[:, None] * var_factors[None, :])
        return np.where(var_codes[:, None] > 1e-12, r2, 0.0)
    has_two = np.array([len(np.unique(factors[:, j])) > 1 for j in range(factors.shape[1])])
    if test_codes is None or test_factors is None:
        raise ValueError("the discrete SAP score needs test_codes and test_factors")
    test_codes, test_factors = utils.check_codes_factors(test_codes, test_factors)
    pairs = [(i, j) for i in range(codes.shape[1]) for j in np.flatnonzero(has_two)]
    svc = LinearSVC(C=0.01, class_weight="balanced", random_state=seed)
    models = utils.fit_many([(svc, codes[:, i, None], factors[:, j]) for i, j in pairs], n_jobs)
    matrix = np.zeros((codes.shape[1], factors.shape[1]))
    for (i, j), model in zip(pairs, models):
        matrix[i, j] = np.mean(model.predict(test_codes[:, i, None]) == test_factors[:, j])
    for j in np.flatnonzero(~has_two):  # One training value: predicted by every latent.
        matrix[:, j] = np.mean(test_factors[:, j] == factors[0, j])
    return matrix


def sap(
    train_codes,
    train_factors,
    test_codes=None,
    test_factors=None,
    continuous_factors=False,
    seed=0,
    n_jobs=-1,
):
    """SAP score: mean over factors of the gap between the two most predictive latents.

    Returns:
      {"sap_score": float}.
    """
    matrix = sap_matrix(
        train_codes, train_factors, test_codes, test_factors, continuous_factors, seed, n_jobs
    )
    matrix = np.sort(matrix, axis=0)
    if matrix.shape[0] < 2:
        raise ValueError(f"SAP needs at least 2 latents, got {matrix.shape[0]}")
    return {"sap_score": float(np.mean(matrix[-1] - matrix[-2]))}


@METRICS.register("sap")
def compute_sap(
    data,
    representation_fn,
    random_state,
    num_train=10000,
    num_test=5000,
    continuous_factors=False,
    n_jobs=-1,
    encode_batch_size=utils.DEFAULT_BATCH_SIZE,
):
    """SAP score of `representation_fn` on `data` (study defaults: discrete factors)."""
    rng = utils.as_rng(random_state)
    seed = utils.draw_seed(rng)
    split = utils.sample_train_test(data, representation_fn, num_train, num_test, rng, encode_batch_size)
    return sap(*split, continuous_factors=continuous_factors, seed=seed, n_jobs=n_jobs)
