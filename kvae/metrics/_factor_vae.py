"""FactorVAE score (Kim & Mnih, 2018, "Disentangling by Factorising")."""

import functools

import numpy as np

from kvae.metrics import _utils as utils
from kvae.metrics._registry import METRICS


def factor_vae(variance_codes, train_codes, train_labels, eval_codes, eval_labels, threshold=0.05):
    """FactorVAE score from batches of codes that share one factor.

    Latents whose standard deviation over `variance_codes` [N, D] is below
    `threshold` are pruned. For each batch [B, D] of `train_codes` [M, B, D],
    the active latent with the least variance relative to its global variance
    votes for the batch's fixed factor; each latent is then classified as its
    majority factor, and accuracy is the share of votes that agree.

    Unlike disentanglement_lib, whose `num_active_dims` is the length of the
    boolean mask (all latents), `num_active_dims` counts the active latents.

    Returns:
      {"train_accuracy", "eval_accuracy", "num_active_dims"}.
    """
    global_variances = np.var(np.asarray(variance_codes), axis=0, ddof=1)
    active = np.flatnonzero(np.sqrt(global_variances) >= threshold)
    if active.size == 0:
        return {"train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0}
    num_factors = int(max(np.max(train_labels), np.max(eval_labels))) + 1

    def votes(codes, labels):
        local = np.var(np.asarray(codes)[..., active], axis=1, ddof=1) / global_variances[active]
        counts = np.zeros((num_factors, len(global_variances)), dtype=np.int64)
        np.add.at(counts, (np.asarray(labels), active[np.argmin(local, axis=1)]), 1)
        return counts

    train_votes = votes(train_codes, train_labels)
    classifier = np.argmax(train_votes, axis=0)
    latents = np.arange(train_votes.shape[1])

    def accuracy(counts):
        return float(np.sum(counts[classifier, latents]) / np.sum(counts))

    return {
        "train_accuracy": accuracy(train_votes),
        "eval_accuracy": accuracy(votes(eval_codes, eval_labels)),
        "num_active_dims": int(active.size),
    }


@METRICS.register("factor_vae")
def compute_factor_vae(
    data,
    representation_fn,
    random_state,
    batch_size=64,
    num_train=10000,
    num_eval=5000,
    num_variance_estimate=10000,
    threshold=0.05,
    encode_batch_size=utils.DEFAULT_BATCH_SIZE,
):
    """FactorVAE score of `representation_fn` on `data` (study defaults)."""
    rng = utils.as_rng(random_state)
    variance_codes, _ = utils.sample_codes(
        data, representation_fn, num_variance_estimate, rng, encode_batch_size
    )
    train, train_labels = utils.sample_fixed_factor_batches(data, num_train, batch_size, rng)
    evals, eval_labels = utils.sample_fixed_factor_batches(data, num_eval, batch_size, rng)
    encode = functools.partial(utils.encode, data, representation_fn, batch_size=encode_batch_size)
    return factor_vae(variance_codes, encode(train), train_labels, encode(evals), eval_labels, threshold)
