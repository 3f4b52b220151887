import numpy as np
import pytest

from kvae.data import factor_grid
from kvae.metrics import compute_udr, udr
from kvae.metrics.udr import gaussian_kl, relative_strength
from kvae.testing import FactorPixels, hadamard_rotation, linear_codes, noise_codes


def test_relative_strength_by_hand():
    corr = np.array([[0.8, 0.2], [0.0, 0.5]])
    cols = [0.64 / 0.8, 0.25 / 0.7]
    rows = [0.64 / 1.0, 0.25 / 0.5]
    assert relative_strength(corr) == pytest.approx((np.mean(cols) + np.mean(rows)) / 2)
    assert relative_strength(np.eye(3)) == pytest.approx(1.0)


def test_gaussian_kl():
    mean, logvar = np.array([[1.0, 0.0]]), np.array([[0.0, np.log(2.0)]])
    np.testing.assert_allclose(gaussian_kl(mean, logvar), [0.5, 0.5 * (2 - np.log(2) - 1)])


def test_permuted_models_agree_rotated_and_noise_models_do_not():
    grid = factor_grid((3, 4, 5, 6)).astype(float)  # exactly independent latents
    models = [grid, grid[:, [1, 0, 3, 2]], grid[:, [3, 2, 1, 0]], grid @ hadamard_rotation(4)]
    spearman = udr(models, correlation="spearman", filter_low_kl=False)
    np.testing.assert_allclose(spearman["model_scores"][:3], 1.0, atol=1e-12)
    assert spearman["model_scores"][3] < 0.6
    lasso = udr(models, correlation="lasso", filter_low_kl=False)
    np.testing.assert_allclose(lasso["model_scores"][:3], 0.9, atol=1e-3)  # Lasso(alpha=0.1) shrinks 1 to 0.9
    assert lasso["model_scores"][3] < 0.6
    noise = np.random.default_rng(0).normal(size=(len(grid), 4, 3))
    assert max(udr(list(noise.transpose(2, 0, 1)), correlation="spearman", filter_low_kl=False)["model_scores"]) < 0.5
    assert np.array(lasso["pairwise_scores"]).shape == (4, 4)


def test_low_kl_latents_are_filtered():
    data = FactorPixels((3, 4, 5))
    # A fourth latent is dead (code 0, unit variance: KL 0) and filtered out.
    matrix = np.concatenate([np.eye(3), np.zeros((3, 1))], axis=1)
    logvar = np.array([-2.0, -2.0, -2.0, 0.0])
    fns = [linear_codes(data, matrix[:, p], logvar=logvar[p]) for p in ([0, 1, 2, 3], [2, 3, 0, 1], [1, 0, 3, 2])]
    result = compute_udr(data, fns, 0, num_data_points=300, correlation="spearman")
    assert min(result["model_scores"]) > 0.85
    unfiltered = compute_udr(data, fns, 0, num_data_points=300, correlation="spearman", filter_low_kl=False)
    assert max(unfiltered["model_scores"]) < min(result["model_scores"])
    again = compute_udr(data, fns, np.random.default_rng(0), num_data_points=300, correlation="spearman")
    assert again == result


def test_errors():
    data = FactorPixels((3, 4))
    with pytest.raises(ValueError, match="mode='posterior'"):
        compute_udr(data, [noise_codes(2), noise_codes(2)], 0, num_data_points=20)
    with pytest.raises(ValueError, match="at least 2"):
        udr([np.zeros((5, 2))], filter_low_kl=False)
    with pytest.raises(ValueError, match="known: lasso, spearman"):
        udr([np.zeros((5, 2))] * 2, correlation="pearson", filter_low_kl=False)
