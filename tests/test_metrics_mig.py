import numpy as np
import pytest

from kvae.data import factor_grid
from kvae.metrics import compute_mig, mig, utils
from kvae.testing import FactorPixels, factor_codes, linear_codes, random_rotation

log = np.log


def test_hand_computed_tiny_example():
    # Codes in {0, 1} fall into 2 bins one-to-one; MIs and entropies by hand.
    c = np.array([[0, 0, 0], [0, 1, 0], [1, 1, 0], [1, 1, 1]], dtype=float)
    y = np.array([[0, 0], [0, 1], [0, 0], [1, 1]])
    h1 = -(0.75 * log(0.75) + 0.25 * log(0.25))
    a = 0.5 * log(4 / 3) + 0.25 * log(2 / 3) + 0.25 * log(2)  # MI(c0, y1) = MI(c1, y2) = MI(c2, y2)
    b = 0.5 * log(4 / 3) + 0.5 * log(8 / 9)  # MI(c1, y1)
    expected_mi = np.array([[a, 0.0], [b, a], [h1, a]])
    mi = utils.discrete_mutual_info(utils.histogram_discretize(c, 2), y)
    np.testing.assert_allclose(mi, expected_mi, atol=1e-12)
    np.testing.assert_allclose(utils.discrete_entropy(y), [h1, log(2)], atol=1e-12)
    result = mig(c, y, num_bins=2)
    np.testing.assert_allclose(result["mig_per_factor"], [(h1 - max(a, b)) / h1, 0.0], atol=1e-12)
    assert result["mig"] == pytest.approx(((h1 - max(a, b)) / h1) / 2)


def test_histogram_discretize_matches_numpy():
    x = np.random.default_rng(0).normal(size=(100, 3))
    d = utils.histogram_discretize(x, 20)
    for j in range(3):
        np.testing.assert_array_equal(d[:, j], np.digitize(x[:, j], np.histogram(x[:, j], 20)[1][:-1]))
    assert d.min() == 1 and d.max() == 20


def test_factors_as_codes_score_one_and_permutation_keeps_it():
    factors = np.tile(factor_grid((3, 5, 4, 7)), (2, 1))
    codes = factors.astype(float)
    result = mig(codes, factors)
    assert result["mig"] == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(result["mig_per_factor"], 1.0, atol=1e-12)
    permuted = mig(codes[:, [2, 0, 3, 1]], factors)
    assert permuted["mig"] == pytest.approx(result["mig"], abs=1e-12)


def test_rotation_lowers_and_noise_scores_near_zero():
    rng = np.random.default_rng(0)
    factors = np.tile(factor_grid((4, 5, 6)), (20, 1))
    codes = utils.standardize(factors.astype(float))
    rotated = mig(codes @ random_rotation(3, seed=1), factors)["mig"]
    assert rotated < 0.5
    noise = mig(rng.normal(size=(len(factors), 6)), factors)["mig"]
    assert noise < 0.03


def test_continuous_factors():
    rng = np.random.default_rng(0)
    factors = rng.uniform(size=(5000, 3))
    assert mig(factors, factors, continuous_factors=True)["mig"] > 0.97
    rotated = factors @ random_rotation(3, seed=2)
    assert mig(rotated, factors, continuous_factors=True)["mig"] < 0.6


def test_constant_factor_and_bad_shapes_raise():
    with pytest.raises(ValueError, match="single value"):
        mig(np.random.default_rng(0).normal(size=(10, 2)), np.zeros((10, 1), int))
    with pytest.raises(ValueError, match="same N"):
        mig(np.zeros((10, 2)), np.zeros((9, 1)))


def test_compute_mig_end_to_end_and_seeded():
    data = FactorPixels((3, 6, 8))
    result = compute_mig(data, factor_codes(data), 0, num_train=2000)
    assert set(result) == {"mig", "mig_per_factor"}
    assert len(result["mig_per_factor"]) == 3
    assert result["mig"] > 0.95
    again = compute_mig(data, factor_codes(data), np.random.default_rng(0), num_train=2000, encode_batch_size=7)
    assert again == result
    other_seed = compute_mig(data, factor_codes(data), 1, num_train=2000)
    assert other_seed != result
    rotated = compute_mig(data, linear_codes(data, random_rotation(3)), 0, num_train=2000)
    assert rotated["mig"] < result["mig"] - 0.3
