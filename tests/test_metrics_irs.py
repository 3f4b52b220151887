import numpy as np
import pytest

from kvae.metrics import compute_irs, irs
from kvae.metrics.irs import irs_matrix
from kvae.testing import FactorPixels, factor_codes, hadamard_rotation, linear_codes, noise_codes

SIZES = (3, 4, 5, 2)


@pytest.fixture(scope="module")
def data():
    return FactorPixels(SIZES)


def test_factors_as_codes_score_one_permutation_keeps_rotation_lowers(data):
    top = compute_irs(data, factor_codes(data), 0, num_train=1000)
    assert top == {"irs": 1.0, "num_active_dims": 4}
    permuted = compute_irs(data, linear_codes(data, np.eye(4)[[1, 3, 0, 2]]), 0, num_train=1000)
    assert permuted["irs"] == pytest.approx(1.0, abs=1e-12)
    rotated = compute_irs(data, linear_codes(data, hadamard_rotation(4)), 0, num_train=1000)
    assert rotated["irs"] < 0.5
    noise = compute_irs(data, noise_codes(5), 0, num_train=1000)
    assert noise["irs"] < 0.4 and noise["num_active_dims"] == 5


def test_num_active_dims_counts_non_constant_latents(data):
    # disentanglement_lib sums the codes of the active latents instead of counting them.
    matrix = np.concatenate([np.eye(4), np.zeros((4, 2))], axis=1)
    result = compute_irs(data, linear_codes(data, matrix), 0, num_train=500)
    assert result == {"irs": pytest.approx(1.0), "num_active_dims": 4}
    assert irs(np.ones((10, 3)), np.zeros((10, 1), int)) == {"irs": 0.0, "num_active_dims": 0}


def test_irs_matrix_by_hand():
    # Latent = factor 0 + 0.5 * factor 1 on a 2 x 2 grid (quantile 1: the max deviation).
    factors = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    codes = (factors[:, 0] + 0.5 * factors[:, 1])[:, None].astype(float)
    matrix, max_dev = irs_matrix(codes, factors, diff_quantile=1.0)
    assert max_dev[0] == pytest.approx(0.75)  # values 0, .5, 1, 1.5 around 0.75
    # Fixing factor 0 leaves deviation 0.25; fixing factor 1 leaves 0.5.
    np.testing.assert_allclose(matrix, [[1 - 0.25 / 0.75, 1 - 0.5 / 0.75]])


def test_seeded(data):
    fn = linear_codes(data, hadamard_rotation(4))
    assert compute_irs(data, fn, 4, num_train=300) == compute_irs(data, fn, np.random.default_rng(4), num_train=300)
