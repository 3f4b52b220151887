import numpy as np
import pytest

from kvae import frames
from kvae.frames.dip_vae import dip_covariance, dip_penalty
from kvae.testing import check_round_trip, fit_losses, small_frame, xysquares_images

COVARIANCE = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, -0.3], [0.0, -0.3, 0.5]])


def codes_with_covariance(covariance, n=50, seed=0):
    """Codes whose batch covariance (divided by n) is exactly `covariance`, with a nonzero mean."""
    x = np.random.default_rng(seed).normal(size=(n, len(covariance)))
    x -= x.mean(axis=0)
    x = x @ np.linalg.inv(np.linalg.cholesky(x.T @ x / n)).T  # white
    return (x @ np.linalg.cholesky(covariance).T + np.array([1.0, -2.0, 3.0])).astype(np.float32)


def test_covariances_of_a_batch_with_known_moments():
    z_mean = codes_with_covariance(COVARIANCE)
    variances = np.random.default_rng(1).uniform(0.1, 0.9, size=z_mean.shape)
    z_logvar = np.log(variances).astype(np.float32)
    np.testing.assert_allclose(np.asarray(dip_covariance(z_mean, z_logvar, "i")), COVARIANCE, atol=1e-5)
    expected_ii = COVARIANCE + np.diag(variances.mean(axis=0))
    np.testing.assert_allclose(np.asarray(dip_covariance(z_mean, z_logvar, "ii")), expected_ii, atol=1e-5)


def test_penalty_is_the_weighted_distance_to_the_identity():
    # Off-diagonal squares: 2 * (0.5^2 + 0 + 0.3^2) = 0.68; diagonal: (2-1)^2 + 0 + (0.5-1)^2 = 1.25.
    np.testing.assert_allclose(float(dip_penalty(COVARIANCE.astype(np.float32), 3.0, 30.0)), 3.0 * 0.68 + 30.0 * 1.25, rtol=1e-6)


@pytest.mark.parametrize("dip_type,factor", [("i", 10.0), ("ii", 1.0)])
def test_regulariser_adds_the_penalty_to_the_kl(dip_type, factor):
    model = small_frame(frames.DIPVAE, latent_dim=3, lambda_od=2.0, lambda_d_factor=factor, dip_type=dip_type)
    z_mean = codes_with_covariance(COVARIANCE)
    z_logvar = np.full_like(z_mean, np.log(0.25))
    covariance = COVARIANCE + (0.25 * np.eye(3) if dip_type == "ii" else 0.0)
    off = np.sum(covariance**2) - np.sum(np.diag(covariance) ** 2)
    dip = 2.0 * off + 2.0 * factor * np.sum((np.diag(covariance) - 1.0) ** 2)
    terms = model.regularizer(np.float32(4.0), z_mean, z_logvar, z_mean)
    np.testing.assert_allclose(float(terms["dip"]), dip, rtol=1e-5)
    np.testing.assert_allclose(float(terms["regularizer"]), 4.0 + dip, rtol=1e-5)


def test_training_lowers_the_loss_and_round_trips(tmp_path):
    x = xysquares_images(8)
    model = small_frame(frames.DIPVAE, lambda_od=5.0, lambda_d_factor=1.0, dip_type="ii")
    losses = fit_losses(model, x)
    assert losses[-1] < losses[0]
    loaded = check_round_trip(model, str(tmp_path / "dip.keras"), x[:4])
    assert (loaded.lambda_od, loaded.lambda_d_factor, loaded.dip_type) == (5.0, 1.0, "ii")


def test_unknown_type_is_a_clear_error():
    with pytest.raises(ValueError, match="dip_type"):
        small_frame(frames.DIPVAE, dip_type="iii")
