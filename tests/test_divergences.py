import numpy as np
import tensorflow_probability as tfp

from kvae import losses

tfd = tfp.distributions


def test_gaussian_kl_matches_tfp_per_latent():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(5, 4)).astype(np.float32) * 2
    logvar = rng.normal(size=(5, 4)).astype(np.float32) * 2
    expected = tfd.kl_divergence(tfd.Normal(mean, np.exp(0.5 * logvar)), tfd.Normal(0.0, 1.0))
    kl = np.asarray(losses.gaussian_kl(mean, logvar))
    assert kl.shape == (5, 4)
    np.testing.assert_allclose(kl, expected, rtol=1e-5, atol=1e-6)
    # N(1, 1) against N(0, 1): 0.5 * 1^2.
    assert np.asarray(losses.gaussian_kl(np.float32([[1.0]]), np.float32([[0.0]])))[0, 0] == 0.5


def test_gaussian_log_density_matches_tfp_and_broadcasts_pairs():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(6, 3)).astype(np.float32)
    mean = rng.normal(size=(6, 3)).astype(np.float32)
    logvar = rng.normal(size=(6, 3)).astype(np.float32)
    # All pairs (i, j): z_i under the posterior of j, as beta-TCVAE uses it.
    density = np.asarray(losses.gaussian_log_density(z[:, None], mean[None], logvar[None]))
    expected = tfd.Normal(mean[None], np.exp(0.5 * logvar[None])).log_prob(z[:, None])
    assert density.shape == (6, 6, 3)
    np.testing.assert_allclose(density, expected, rtol=1e-5, atol=1e-5)
