import numpy as np
import pytest

from kvae.metrics import compute_sap, sap
from kvae.testing import FactorPixels, hadamard_rotation, linear_codes, noise_codes, random_rotation

SIZES = (2, 2, 3, 2)
SMALL = dict(num_train=400, num_test=200)


@pytest.fixture(scope="module")
def data():
    return FactorPixels(SIZES)


def test_discrete_factors_as_codes(data):
    # Binary factors: the own latent predicts perfectly, any other is at chance (balanced) -> gap ~0.5.
    result = compute_sap(data, linear_codes(data, np.eye(4)), 0, **SMALL)
    assert set(result) == {"sap_score"}
    assert 0.35 < result["sap_score"] <= 0.75
    permuted = compute_sap(data, linear_codes(data, np.eye(4)[[1, 3, 0, 2]]), 0, **SMALL)
    assert permuted["sap_score"] == pytest.approx(result["sap_score"], abs=1e-12)
    rotated = compute_sap(data, linear_codes(data, hadamard_rotation(4)), 0, **SMALL)
    assert rotated["sap_score"] < result["sap_score"] - 0.2
    assert compute_sap(data, noise_codes(5), 0, **SMALL)["sap_score"] < 0.1


def test_continuous_factors():
    rng = np.random.default_rng(0)
    factors = rng.uniform(size=(3000, 3))
    assert sap(factors, factors, continuous_factors=True)["sap_score"] == pytest.approx(1.0, abs=0.01)
    assert sap(factors[:, [2, 0, 1]], factors, continuous_factors=True)["sap_score"] == pytest.approx(1.0, abs=0.01)
    rotated = sap(factors @ random_rotation(3, seed=4), factors, continuous_factors=True)["sap_score"]
    assert rotated < 0.8
    assert sap(rng.normal(size=(3000, 4)), factors, continuous_factors=True)["sap_score"] < 0.01
    # A constant latent predicts nothing.
    codes = np.concatenate([factors, np.ones((3000, 1))], axis=1)
    assert sap(codes, factors, continuous_factors=True)["sap_score"] == pytest.approx(1.0, abs=0.01)


def test_continuous_r2_by_hand():
    codes = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    factors = np.array([[0.0], [2.0], [4.0], [6.0]])  # exact linear function of latent 0
    r2_latent1 = np.corrcoef(codes[:, 1], factors[:, 0])[0, 1] ** 2
    assert sap(codes, factors, continuous_factors=True)["sap_score"] == pytest.approx(1 - r2_latent1)


def test_seeded(data):
    fn = linear_codes(data, hadamard_rotation(4))
    assert compute_sap(data, fn, 2, **SMALL) == compute_sap(data, fn, np.random.default_rng(2), **SMALL)
    with pytest.raises(ValueError, match="needs test_codes"):
        sap(np.zeros((4, 2)), np.zeros((4, 1)))
