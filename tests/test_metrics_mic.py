import numpy as np
import pytest

from kvae.data import factor_grid
from kvae.metrics import compute_mic, mic
from kvae.testing import FactorPixels, factor_codes, hadamard_rotation, linear_codes

log = np.log


def test_hand_computed_tiny_example():
    # Same tiny case as the MIG test: MI[latent, factor] = [[a, 0], [b, a], [h1, a]].
    c = np.array([[0, 0, 0], [0, 1, 0], [1, 1, 0], [1, 1, 1]], dtype=float)
    y = np.array([[0, 0], [0, 1], [0, 0], [1, 1]])
    h1, h2 = -(0.75 * log(0.75) + 0.25 * log(0.25)), log(2)
    a = 0.5 * log(4 / 3) + 0.25 * log(2 / 3) + 0.25 * log(2)
    b = 0.5 * log(4 / 3) + 0.5 * log(8 / 9)
    result = mic(c, y, subsets=[[2], [0, 1], [1, 2]], num_bins=2)
    expected = [
        [(h1 - a - b) / h1, (a - 0 - a) / h2],
        [(a + b - h1) / h1, (0 + a - a) / h2],
        [(b + h1 - a) / h1, (a + a - 0) / h2],
    ]
    np.testing.assert_allclose(result["mic"], expected, atol=1e-12)
    np.testing.assert_allclose(result["mic_max_per_factor"], np.max(expected, axis=0), atol=1e-12)


def test_factors_as_codes_concentrate_fully():
    factors = np.tile(factor_grid((3, 4, 5)), (2, 1))
    result = mic(factors + 0.0, factors)  # singletons by default
    np.testing.assert_allclose(result["mic"], np.eye(3) * 2 - 1, atol=1e-12)  # -1: the factor is all outside
    permuted = mic(factors[:, [2, 0, 1]] + 0.0, factors)
    np.testing.assert_allclose(permuted["mic_max_per_factor"], 1.0, atol=1e-12)
    everything = mic(factors + 0.0, factors, subsets=[[0, 1, 2]])
    np.testing.assert_allclose(everything["mic"], [[1.0, 1.0, 1.0]], atol=1e-12)


def test_sampled_rotation_lowers_noise_near_zero_and_seeded():
    data = FactorPixels((3, 4, 5, 2))
    top = compute_mic(data, factor_codes(data), 0, num_train=1000)
    np.testing.assert_allclose(top["mic_max_per_factor"], 1.0, atol=0.05)
    rotated = compute_mic(data, linear_codes(data, hadamard_rotation(4)), 0, num_train=1000)
    assert max(rotated["mic_max_per_factor"]) < 0.5
    noise = np.random.default_rng(0).normal(size=(3000, 4))
    factors = data.sample_factors(3000, np.random.default_rng(1))
    assert np.max(np.abs(mic(noise, factors, subsets=[[0, 1]])["mic"])) < 0.05
    assert compute_mic(data, factor_codes(data), np.random.default_rng(0), num_train=1000) == top
    with pytest.raises(ValueError, match="non-empty list of latent indices"):
        mic(noise, factors, subsets=[[4]])
