import numpy as np
import pytest

from kvae.metrics import beta_vae, compute_beta_vae
from kvae.testing import (
    FactorPixels,
    factor_codes,
    hadamard_rotation,
    linear_codes,
    noise_codes,
    random_rotation,
)

SIZES = (3, 6, 8, 5)
SMALL = dict(batch_size=16, num_train=300, num_eval=200)


@pytest.fixture(scope="module")
def data():
    return FactorPixels(SIZES)


def test_factors_as_codes_score_one(data):
    result = compute_beta_vae(data, factor_codes(data), 0, **SMALL)
    assert result == {"train_accuracy": 1.0, "eval_accuracy": 1.0}


def test_permutation_keeps_score_rotation_lowers_noise_is_chance(data):
    perm = np.eye(4)[[2, 0, 3, 1]]
    assert compute_beta_vae(data, linear_codes(data, perm), 0, **SMALL)["eval_accuracy"] == 1.0
    rotated = compute_beta_vae(data, linear_codes(data, hadamard_rotation(4)), 0, **SMALL)
    assert rotated["eval_accuracy"] < 0.5
    noise = compute_beta_vae(data, noise_codes(10), 0, **SMALL)
    assert noise["eval_accuracy"] < 0.25 + 0.12  # chance is 1/4


def test_seeded(data):
    fn = linear_codes(data, random_rotation(4, seed=3))
    assert compute_beta_vae(data, fn, 5, **SMALL) == compute_beta_vae(data, fn, np.random.default_rng(5), **SMALL)


def test_pure_function_on_pairs():
    rng = np.random.default_rng(0)
    labels = rng.integers(3, size=60)
    codes = rng.normal(size=(60, 2, 8, 3))
    codes[np.arange(60), 1, :, labels] = codes[np.arange(60), 0, :, labels]  # latent k copies factor k
    result = beta_vae(codes[:40], labels[:40], codes[40:], labels[40:])
    assert result["eval_accuracy"] == 1.0
