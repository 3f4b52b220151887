import numpy as np
import pytest

from kvae.metrics import active_units, compute_active_units
from kvae.testing import FactorPixels, linear_codes


def test_threshold_on_mean_posterior_variance():
    variances = np.array([[0.5, 0.9, 0.6, 1.0], [0.5, 0.9, 1.0, 0.5]])  # means 0.5, 0.9, 0.8, 0.75
    result = active_units(np.log(variances))
    assert result["active_units"] == [True, False, False, True]
    assert result["num_active_units"] == 2
    np.testing.assert_allclose(result["mean_posterior_variance"], [0.5, 0.9, 0.8, 0.75])
    assert active_units(np.log(variances), threshold=0.95)["num_active_units"] == 4


def test_compute_needs_posterior_and_is_seeded():
    data = FactorPixels((3, 4))
    logvar = np.log([0.1, 0.5, 1.0])
    fn = linear_codes(data, np.eye(2, 3), logvar=logvar)
    result = compute_active_units(data, fn, 0, num_points=100)
    assert result["num_active_units"] == 2 and result["active_units"] == [True, True, False]
    assert compute_active_units(data, fn, np.random.default_rng(0), num_points=100) == result
    with pytest.raises(ValueError, match="mode='posterior'"):
        compute_active_units(data, linear_codes(data, np.eye(2)), 0, num_points=10)
