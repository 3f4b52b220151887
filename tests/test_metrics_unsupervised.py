import numpy as np
import pytest

from kvae.data import factor_grid
from kvae.metrics import compute_unsupervised, unsupervised
from kvae.metrics.unsupervised import gaussian_total_correlation, gaussian_wasserstein_correlation
from kvae.testing import FactorPixels, linear_codes, noise_codes, random_rotation

KEYS = {
    "gaussian_total_correlation",
    "gaussian_wasserstein_correlation",
    "gaussian_wasserstein_correlation_norm",
    "mutual_info_score",
}


def test_gaussian_total_correlation_of_known_covariance():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    cov = a @ a.T + np.diag([0.5, 1.0, 2.0, 3.0])
    std = np.sqrt(np.diag(cov))
    corr = cov / np.outer(std, std)
    assert gaussian_total_correlation(cov) == pytest.approx(-0.5 * np.log(np.linalg.det(corr)))
    # KL(N(0, cov) || N(0, diag(cov))) written out.
    diag = np.diag(np.diag(cov))
    kl = 0.5 * (np.trace(np.linalg.inv(diag) @ cov) - 4 + np.log(np.linalg.det(diag) / np.linalg.det(cov)))
    assert gaussian_total_correlation(cov) == pytest.approx(kl)
    assert gaussian_total_correlation(np.diag([1.0, 4.0])) == pytest.approx(0.0)


def test_gaussian_wasserstein_correlation_by_hand():
    rho = 0.6
    cov = np.array([[1.0, rho], [rho, 1.0]])
    # W2^2(N(0, cov), N(0, I)) = tr(cov) + tr(I) - 2 tr(cov^(1/2)), eigenvalues 1 +- rho.
    assert gaussian_wasserstein_correlation(cov) == pytest.approx(4 - 2 * (np.sqrt(1 + rho) + np.sqrt(1 - rho)))
    assert gaussian_wasserstein_correlation(np.diag([2.0, 3.0])) == pytest.approx(0.0, abs=1e-12)


def test_independent_codes_score_zero_permutation_keeps_rotation_raises():
    factors = np.tile(factor_grid((3, 5, 4)), (3, 1)).astype(float)
    best = unsupervised(factors)
    assert set(best) == KEYS
    for key in KEYS:
        assert best[key] == pytest.approx(0.0, abs=1e-10)
    permuted = unsupervised(factors[:, [2, 0, 1]])
    for key in KEYS:
        assert permuted[key] == pytest.approx(0.0, abs=1e-10)
    rotated = unsupervised(factors @ random_rotation(3, seed=0))  # non-isotropic, so rotation correlates
    assert rotated["gaussian_total_correlation"] > 0.05
    assert rotated["mutual_info_score"] > 0.05
    noise = unsupervised(np.random.default_rng(0).normal(size=(5000, 5)))
    assert noise["gaussian_total_correlation"] < 0.01 and noise["mutual_info_score"] < 0.05


def test_compute_on_means_and_on_samples():
    data = FactorPixels((3, 4, 5))
    plain = compute_unsupervised(data, linear_codes(data, np.eye(3)), 0, num_train=600)
    assert set(plain) == KEYS
    both = compute_unsupervised(data, linear_codes(data, np.eye(3), logvar=-1.0), 0, num_train=600)
    assert set(both) == KEYS | {f"sampled_{k}" for k in KEYS}
    for key in KEYS:
        assert both[key] == plain[key]
    # Sampling adds independent noise of variance e^-1 to each latent.
    assert both["sampled_gaussian_wasserstein_correlation_norm"] != plain["gaussian_wasserstein_correlation_norm"]
    fn = linear_codes(data, np.eye(3), logvar=-1.0)
    again = compute_unsupervised(data, fn, np.random.default_rng(0), num_train=600)
    assert again == both
    noise = compute_unsupervised(data, noise_codes(4), 0, num_train=600)
    assert noise["gaussian_total_correlation"] < 0.02
