import numpy as np
import pytest

from kvae.metrics import compute_factor_vae, factor_vae
from kvae.testing import (
    FactorPixels,
    factor_codes,
    hadamard_rotation,
    linear_codes,
    noise_codes,
    random_rotation,
)

SIZES = (3, 6, 8, 5)
SMALL = dict(batch_size=16, num_train=300, num_eval=200, num_variance_estimate=500)


@pytest.fixture(scope="module")
def data():
    return FactorPixels(SIZES)


def test_factors_as_codes_score_one(data):
    result = compute_factor_vae(data, factor_codes(data), 0, **SMALL)
    assert result == {"train_accuracy": 1.0, "eval_accuracy": 1.0, "num_active_dims": 4}


def test_permutation_keeps_score_rotation_lowers_noise_is_chance(data):
    perm = np.eye(4)[[2, 0, 3, 1]]
    assert compute_factor_vae(data, linear_codes(data, perm), 0, **SMALL)["eval_accuracy"] == 1.0
    rotated = compute_factor_vae(data, linear_codes(data, hadamard_rotation(4)), 0, **SMALL)
    assert rotated["eval_accuracy"] < 0.6
    noise = compute_factor_vae(data, noise_codes(10), 0, **SMALL)
    assert noise["eval_accuracy"] < 0.45  # majority vote over 10 latents overfits chance (1/4) a little


def test_num_active_dims_counts_active_latents(data):
    # Latents 4 and 5 are constant: pruned, and not counted (disentanglement_lib would report 6).
    matrix = np.concatenate([np.eye(4), np.zeros((4, 2))], axis=1)
    result = compute_factor_vae(data, linear_codes(data, matrix), 0, **SMALL)
    assert result == {"train_accuracy": 1.0, "eval_accuracy": 1.0, "num_active_dims": 4}
    dead = compute_factor_vae(data, linear_codes(data, np.zeros((4, 3))), 0, **SMALL)
    assert dead == {"train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0}


def test_seeded(data):
    fn = linear_codes(data, random_rotation(4, seed=3))
    assert compute_factor_vae(data, fn, 5, **SMALL) == compute_factor_vae(data, fn, np.random.default_rng(5), **SMALL)


def test_hand_computed_votes():
    # Two factors, two latents; latent 1 tracks factor 0 and latent 0 tracks factor 1.
    variance_codes = np.array([[0.0, 0.0], [2.0, 2.0], [0.0, 2.0], [2.0, 0.0]])
    still = lambda k: np.stack([np.arange(4.0), np.arange(4.0)], axis=1) * (np.arange(2) != k)  # noqa: E731
    train = np.stack([still(1), still(1), still(0)])  # argmin latents 1, 1, 0
    labels = np.array([0, 1, 1])  # votes: factor 0 -> latent 1 once; factor 1 -> latent 1 once, latent 0 once
    result = factor_vae(variance_codes, train, labels, train, labels, threshold=0.0)
    # Latent 0 -> factor 1 (1 vote); latent 1 -> tie, argmax picks factor 0 (1 vote). 2 of 3 votes agree.
    assert result["train_accuracy"] == pytest.approx(2 / 3)
