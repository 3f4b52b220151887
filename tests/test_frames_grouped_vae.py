import numpy as np
import pytest
import tensorflow as tf

from kvae import frames, losses
from kvae.testing import check_round_trip, fit_losses, small_frame, xysquares_images


def test_groups_split_the_latent():
    assert small_frame(frames.GroupedVAE, latent_dim=10, groups=3).bounds == ((0, 4), (4, 7), (7, 10))
    assert small_frame(frames.GroupedVAE, latent_dim=6, groups=[1, 5]).bounds == ((0, 1), (1, 6))
    with pytest.raises(ValueError, match=r"summing to latent_dim 6, got \[2, 2\]"):
        small_frame(frames.GroupedVAE, latent_dim=6, groups=[2, 2])
    with pytest.raises(ValueError, match=r"groups \(latent_dim 6\) must be an integer in \[1, 6\], got 7"):
        small_frame(frames.GroupedVAE, latent_dim=6, groups=7)


def test_term_i_decodes_groups_up_to_i_with_the_rest_zero():
    model = small_frame(frames.GroupedVAE, latent_dim=6, groups=3)
    x = xysquares_images(4)
    z = np.random.default_rng(0).normal(size=(4, 6)).astype(np.float32)
    got = np.asarray(model.group_reconstructions(x, z))
    loss = losses.get("bernoulli")
    for i, stop in enumerate([2, 4, 6]):
        padded = np.where(np.arange(6) < stop, z, 0.0).astype(np.float32)
        np.testing.assert_allclose(got[i], np.mean(np.asarray(loss(x, model.decode(padded)))), rtol=1e-5)
    np.testing.assert_allclose(float(model.reconstruction_term(x, z)), got.sum(), rtol=1e-5)


def test_gradient_of_term_i_reaches_only_group_i_of_the_encoder_outputs():
    model = small_frame(frames.GroupedVAE, latent_dim=6, groups=3)
    x = xysquares_images(4)
    with tf.GradientTape(persistent=True) as tape:
        z_mean, z_logvar = model.encode(x)
        tape.watch([z_mean, z_logvar])
        terms = model.group_reconstructions(x, model.reparameterize(z_mean, z_logvar))
        per_term = [terms[i] for i in range(3)]
    decoder = model.decoder.trainable_variables
    for i, (start, stop) in enumerate(model.bounds):
        for output in (z_mean, z_logvar):
            grad = np.asarray(tape.gradient(per_term[i], output))
            inside = np.zeros(6, bool)
            inside[start:stop] = True
            assert np.all(grad[:, ~inside] == 0.0), (i, grad)
            assert np.all(np.abs(grad[:, inside]).sum(axis=0) > 0), (i, grad)
        assert all(g is not None and np.any(np.asarray(g) != 0) for g in tape.gradient(per_term[i], decoder))


def test_loss_is_the_sum_of_terms_plus_beta_kl_and_training_lowers_it(tmp_path):
    x = xysquares_images(8)
    model = small_frame(frames.GroupedVAE, groups=2, beta=2.0)
    terms = model.compute_terms(x[:4])
    np.testing.assert_allclose(float(terms["loss"]), float(terms["reconstruction"]) + 2.0 * float(terms["kl"]), rtol=1e-6)
    history = fit_losses(model, x)
    assert history[-1] < history[0]
    loaded = check_round_trip(model, str(tmp_path / "grouped.keras"), x[:4])
    assert loaded.groups == 2 and loaded.bounds == ((0, 3), (3, 6))
