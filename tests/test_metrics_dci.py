import numpy as np
import pytest

from kvae.metrics import compute_dci, dci
from kvae.metrics.dci import completeness, disentanglement
from kvae.testing import FactorPixels, factor_codes, hadamard_rotation, linear_codes, noise_codes

SIZES = (2, 3, 4, 2)
SMALL = dict(num_train=200, num_test=100, n_jobs=1)


@pytest.fixture(scope="module")
def data():
    return FactorPixels(SIZES)


@pytest.fixture(scope="module")
def identity(data):
    return compute_dci(data, factor_codes(data), 0, **SMALL)


def test_entropy_formula_by_hand():
    importance = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 0.0]])
    # Latent 0 -> one factor (1), latent 1 -> both equally (0), latent 2 has no weight.
    assert disentanglement(importance) == pytest.approx(0.5 * 1 + 0.5 * 0, abs=1e-8)
    # Factor 0 spread 2/3, 1/3 over three latents (base-3 entropy); factor 1 on one latent.
    h0 = -(2 / 3 * np.log(2 / 3) + 1 / 3 * np.log(1 / 3)) / np.log(3)
    assert completeness(importance) == pytest.approx(0.75 * (1 - h0) + 0.25 * 1, abs=1e-8)
    assert disentanglement(np.eye(3)) == pytest.approx(1.0, abs=1e-8)
    assert completeness(np.ones((3, 3))) == pytest.approx(0.0, abs=1e-8)
    assert disentanglement(np.zeros((3, 2))) == pytest.approx(0.0, abs=1e-8)


def test_factors_as_codes_score_top(identity):
    assert set(identity) == {"disentanglement", "completeness", "informativeness_train", "informativeness_test"}
    assert identity["disentanglement"] == pytest.approx(1.0, abs=1e-6)
    assert identity["completeness"] == pytest.approx(1.0, abs=1e-6)
    assert identity["informativeness_train"] == 1.0 and identity["informativeness_test"] == 1.0


def test_permutation_keeps_rotation_lowers_noise_scores_low(data, identity):
    permuted = compute_dci(data, linear_codes(data, np.eye(4)[[3, 1, 0, 2]]), 0, **SMALL)
    for key in identity:
        assert permuted[key] == pytest.approx(identity[key], abs=1e-6)
    rotated = compute_dci(data, linear_codes(data, hadamard_rotation(4)), 0, **SMALL)
    assert rotated["disentanglement"] < 0.6 and rotated["completeness"] < 0.6
    noise = compute_dci(data, noise_codes(6), 0, **SMALL)
    assert noise["disentanglement"] < 0.25 and noise["completeness"] < 0.25
    assert noise["informativeness_test"] < 0.5


def test_seeded_and_parallel_equals_serial(data):
    fn = linear_codes(data, hadamard_rotation(4))
    assert compute_dci(data, fn, 3, **SMALL) == compute_dci(data, fn, np.random.default_rng(3), **SMALL)
    rng = np.random.default_rng(0)
    factors = rng.integers(0, 3, size=(150, 3))
    codes = factors + rng.normal(size=(150, 3))
    serial = dci(codes[:100], factors[:100], codes[100:], factors[100:], seed=1, n_jobs=1)
    assert dci(codes[:100], factors[:100], codes[100:], factors[100:], seed=1, n_jobs=2) == serial


def test_pure_function_shapes():
    rng = np.random.default_rng(0)
    factors = rng.integers(0, 3, size=(120, 2))
    result = dci(factors + 0.0, factors, factors + 0.0, factors, n_jobs=1)
    assert result["informativeness_test"] == 1.0
