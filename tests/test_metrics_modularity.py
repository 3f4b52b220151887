import numpy as np
import pytest

from kvae.data import factor_grid
from kvae.metrics import compute_modularity_explicitness, modularity_explicitness
from kvae.metrics.modularity import modularity
from kvae.testing import (
    FactorPixels,
    factor_codes,
    hadamard_rotation,
    linear_codes,
    noise_codes,
)


def test_modularity_by_hand():
    mi = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 0.0], [0.4, 0.2]])
    # Rows: one factor -> 1; two equal -> 0; no information -> 0; (0.04 / 0.16) / 1 -> 1 - 0.25.
    assert modularity(mi) == pytest.approx((1 + 0 + 0 + 0.75) / 4)
    mi3 = np.array([[0.6, 0.3, 0.3]])  # delta = (0.09 + 0.09) / (0.36 * 2) = 0.25
    assert modularity(mi3) == pytest.approx(0.75)


def test_factors_as_codes_on_grid_are_fully_modular_and_explicit():
    factors = np.tile(factor_grid((3, 4, 5)), (4, 1))
    result = modularity_explicitness(factors + 0.0, factors, factors + 0.0, factors)
    assert set(result) == {"modularity_score", "explicitness_score_train", "explicitness_score_test"}
    assert result["modularity_score"] == pytest.approx(1.0, abs=1e-12)
    assert result["explicitness_score_train"] > 0.97
    perm = [2, 0, 1]
    permuted = modularity_explicitness(factors[:, perm] + 0.0, factors, factors[:, perm] + 0.0, factors)
    for key in result:
        assert permuted[key] == pytest.approx(result[key], abs=1e-6)


def test_rotation_lowers_noise_scores_low_and_seeded():
    data = FactorPixels((3, 4, 5, 2))
    small = dict(num_train=600, num_test=300)
    top = compute_modularity_explicitness(data, factor_codes(data), 0, **small)
    assert top["modularity_score"] > 0.95
    rotated = compute_modularity_explicitness(data, linear_codes(data, hadamard_rotation(4)), 0, **small)
    assert rotated["modularity_score"] < top["modularity_score"] - 0.3
    noise = compute_modularity_explicitness(data, noise_codes(6), 0, **small)
    assert noise["explicitness_score_test"] < 0.6  # chance AUC is 0.5
    again = compute_modularity_explicitness(data, linear_codes(data, hadamard_rotation(4)), 0, **small)
    assert again == rotated
