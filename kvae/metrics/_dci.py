"""Disentanglement, Completeness, Informativeness (Eastwood & Williams, 2018)."""

import numpy as np
import scipy.stats

from kvae.metrics import _predictors as predictors
from kvae.metrics import _utils as utils
from kvae.metrics._registry import METRICS

PREDICTORS = ("gradient_boosting", "hist_gradient_boosting")


def disentanglement_per_code(importance):
    """1 - entropy (base F) of each latent's importance over factors; `importance` is [D, F]."""
    return 1.0 - scipy.stats.entropy(importance.T + 1e-11, base=importance.shape[1])


def completeness_per_factor(importance):
    """1 - entropy (base D) of each factor's importance over latents; `importance` is [D, F]."""
    return 1.0 - scipy.stats.entropy(importance + 1e-11, base=importance.shape[0])


def disentanglement(importance):
    """Disentanglement: per-latent scores weighted by the latents' share of total importance."""
    importance = np.asarray(importance, dtype=np.float64)
    weights = importance if importance.sum() > 0 else np.ones_like(importance)
    return float(np.sum(disentanglement_per_code(importance) * weights.sum(axis=1) / weights.sum()))


def completeness(importance):
    """Completeness: per-factor scores weighted by the factors' share of total importance."""
    importance = np.asarray(importance, dtype=np.float64)
    weights = importance if importance.sum() > 0 else np.ones_like(importance)
    return float(np.sum(completeness_per_factor(importance) * weights.sum(axis=0) / weights.sum()))


def dci(
    train_codes, train_factors, test_codes, test_factors, seed=0, n_jobs=-1, predictor="gradient_boosting"
):
    """DCI from gradient-boosted-tree importances, one classifier per factor.

    As disentanglement_lib (scikit-learn `GradientBoostingClassifier` defaults),
    except that the classifiers are seeded with `seed` (disentanglement_lib
    leaves them unseeded); they train in parallel on `n_jobs` of the run's
    cores (`parallel.num_cpus`). `predictor="hist_gradient_boosting"` is the
    fast mode (`predictors.make_predictor`): its scores differ from the exact
    mode's by the amounts the README's metric table states.

    Returns:
      {"disentanglement", "completeness", "informativeness_train",
      "informativeness_test"}; informativeness is the mean accuracy over factors.
    """
    train_codes, train_factors = utils.check_codes_factors(train_codes, train_factors)
    train_acc, test_acc, importance = utils.fit_per_factor(
        predictors.make_predictor(predictor, seed, choices=PREDICTORS),
        train_codes,
        train_factors,
        np.asarray(test_codes),
        np.asarray(test_factors),
        importances=True,
        n_jobs=n_jobs,
    )
    return {
        "disentanglement": disentanglement(importance),
        "completeness": completeness(importance),
        "informativeness_train": float(np.mean(train_acc)),
        "informativeness_test": float(np.mean(test_acc)),
    }


@METRICS.register("dci")
def compute_dci(
    data,
    representation_fn,
    random_state,
    num_train=10000,
    num_test=5000,
    n_jobs=-1,
    predictor="gradient_boosting",
    encode_batch_size=utils.DEFAULT_BATCH_SIZE,
):
    """DCI of `representation_fn` on `data` (study defaults; `predictor` as `dci`)."""
    predictors.make_predictor(predictor, choices=PREDICTORS)  # a bad name fails before sampling
    rng = utils.as_rng(random_state)
    seed = utils.draw_seed(rng)
    split = utils.sample_train_test(data, representation_fn, num_train, num_test, rng, encode_batch_size)
    return dci(*split, seed=seed, n_jobs=n_jobs, predictor=predictor)
