"""BetaVAE score (Higgins et al., 2017, "beta-VAE: Learning Basic Visual Concepts...")."""

import functools

import numpy as np
from sklearn.linear_model import LogisticRegression

from kvae.metrics import _utils as utils
from kvae.metrics._registry import METRICS


def pair_features(codes):
    """Pairs of code batches [M, 2, B, D] -> mean absolute differences [M, D]."""
    codes = np.asarray(codes)
    return np.mean(np.abs(codes[:, 0] - codes[:, 1]), axis=1)


def beta_vae(train_codes, train_labels, eval_codes, eval_labels, seed=0):
    """BetaVAE score from pairs of code batches.

    Args:
      train_codes, eval_codes: [M, 2, B, D]; batch m holds B pairs of codes whose
        images agree on factor `labels[m]` (and are otherwise independent).
      train_labels, eval_labels: [M] the shared factor of each batch.
      seed: seeds the logistic regression, disentanglement_lib's
        `LogisticRegression(random_state=...)` with the installed scikit-learn's
        defaults (lbfgs, multinomial; the study ran scikit-learn < 0.22, whose
        default was liblinear one-vs-rest).

    Returns:
      {"train_accuracy", "eval_accuracy"} of a linear classifier predicting the
      shared factor from the mean absolute difference of the pairs.
    """
    x_train, x_eval = pair_features(train_codes), pair_features(eval_codes)
    model = LogisticRegression(random_state=seed).fit(x_train, train_labels)
    return {
        "train_accuracy": float(np.mean(model.predict(x_train) == train_labels)),
        "eval_accuracy": float(np.mean(model.predict(x_eval) == eval_labels)),
    }


@METRICS.register("beta_vae")
def compute_beta_vae(
    data,
    representation_fn,
    random_state,
    batch_size=64,
    num_train=10000,
    num_eval=5000,
    encode_batch_size=utils.DEFAULT_BATCH_SIZE,
):
    """BetaVAE score of `representation_fn` on `data` (study defaults)."""
    rng = utils.as_rng(random_state)
    seed = utils.draw_seed(rng)
    train, train_labels = utils.sample_pair_batches(data, num_train, batch_size, rng)
    evals, eval_labels = utils.sample_pair_batches(data, num_eval, batch_size, rng)
    encode = functools.partial(utils.encode, data, representation_fn, batch_size=encode_batch_size)
    return beta_vae(encode(train), train_labels, encode(evals), eval_labels, seed)
