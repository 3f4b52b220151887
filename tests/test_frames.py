import json

import keras
import numpy as np
import pytest

import kvae  # noqa: F401
from kvae import frames, losses
from kvae.nets import ConvDecoder, ConvEncoder, FCDecoder, FCEncoder
from kvae.testing import small_frame

SHAPE = (64, 64, 1)


def make_frame(cls, latent_dim=4, seed=1, **kwargs):
    return small_frame(cls, latent_dim, seed, image_shape=SHAPE, **kwargs)


def blobs(n=16, seed=0):
    """Binary images of one random rectangle each."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n,) + SHAPE, np.float32)
    for i in range(n):
        top, left = rng.integers(0, 48, 2)
        x[i, top : top + 16, left : left + 16] = 1.0
    return x


FRAMES = [(frames.AE, {}), (frames.VAE, {}), (frames.BetaVAE, {"beta": 4.0})]


def test_terms_follow_the_definitions():
    model = make_frame(frames.BetaVAE, beta=4.0)
    x = blobs(8)
    terms = model.compute_terms(x)
    z_mean, z_logvar = (np.asarray(t, np.float64) for t in model.encode(x))
    closed_form_kl = np.mean(np.sum(0.5 * (z_mean**2 + np.exp(z_logvar) - 1.0 - z_logvar), axis=1))
    np.testing.assert_allclose(float(terms["kl"]), closed_form_kl, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(np.sum(terms["kl_per_latent"]), terms["kl"], rtol=1e-5)
    np.testing.assert_allclose(float(terms["regularizer"]), 4.0 * float(terms["kl"]), rtol=1e-6)
    np.testing.assert_allclose(
        float(terms["loss"]), float(terms["reconstruction"]) + 4.0 * float(terms["kl"]), rtol=1e-6
    )
    np.testing.assert_allclose(
        float(terms["elbo"]), -(float(terms["reconstruction"]) + float(terms["kl"])), rtol=1e-6
    )


def test_ae_uses_the_mean_code_and_no_regulariser():
    model = make_frame(frames.AE)
    x = blobs(4)
    z_mean, _ = model.encode(x)
    expected = np.mean(np.asarray(losses.get("bernoulli")(x, model.decode(z_mean))))
    terms = model.compute_terms(x)
    np.testing.assert_allclose(float(terms["reconstruction"]), expected, rtol=1e-5)
    assert float(terms["regularizer"]) == 0.0


def test_reparameterisation_is_seeded_and_matches_the_posterior():
    a, b = make_frame(frames.VAE, seed=3), make_frame(frames.VAE, seed=3)
    mean = np.zeros((20000, 4), np.float32)
    logvar = np.log(np.full((20000, 4), 0.25, np.float32))
    za, zb = np.asarray(a.reparameterize(mean, logvar)), np.asarray(b.reparameterize(mean, logvar))
    np.testing.assert_array_equal(za, zb)
    np.testing.assert_allclose(za.std(axis=0), 0.5, atol=0.02)


@pytest.mark.parametrize("cls,kwargs", FRAMES)
def test_training_lowers_the_loss(cls, kwargs):
    model = make_frame(cls, **kwargs)
    x = blobs(16)
    first = model.train_on_batch(x, return_dict=True)["loss"]
    for _ in range(25):
        last = model.train_on_batch(x, return_dict=True)["loss"]
    assert last < 0.8 * first
    assert set(model.train_on_batch(x, return_dict=True)) == {"loss", "reconstruction", "kl", "regularizer", "elbo"}


@pytest.mark.parametrize("cls,kwargs", FRAMES)
def test_keras_round_trip_keeps_outputs_optimizer_and_sampling(cls, kwargs, tmp_path):
    model = make_frame(cls, **kwargs)
    x = blobs(8)
    for _ in range(3):
        model.train_on_batch(x)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is cls
    assert json.dumps(loaded.get_config(), sort_keys=True) == json.dumps(model.get_config(), sort_keys=True)
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))
    assert int(loaded.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy()) == 3
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # The sampling continues where it was, so the next step matches the original's.
    np.testing.assert_array_equal(np.asarray(loaded.seed_generator.state), np.asarray(model.seed_generator.state))
    np.testing.assert_allclose(
        loaded.train_on_batch(x, return_dict=True)["loss"], model.train_on_batch(x, return_dict=True)["loss"], rtol=1e-4
    )


def test_fc_nets_round_trip(tmp_path):
    model = frames.BetaVAE(FCEncoder(3, SHAPE), FCDecoder(SHAPE), beta=2.0, reconstruction_loss="mse")
    model.build((None,) + SHAPE)
    path = str(tmp_path / "fc.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = blobs(2)
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))
    assert loaded.reconstruction_loss.name == "mse" and loaded.beta == 2.0


def test_sample_and_reconstruct_are_images():
    model = make_frame(frames.VAE)
    samples = np.asarray(model.sample(5))
    assert samples.shape == (5,) + SHAPE and samples.min() >= 0.0 and samples.max() <= 1.0
    assert np.asarray(model.reconstruct(blobs(2))).shape == (2,) + SHAPE


def test_undeclared_terms_are_refused():
    class Leaky(frames.VAE):
        def regularizer(self, kl, z_mean, z_logvar, z_sampled):
            return {"regularizer": kl, "mystery": kl}

    model = make_frame(Leaky)
    with pytest.raises(ValueError, match="mystery"):
        model.train_on_batch(blobs(2))


def test_wrong_image_size_is_a_clear_error():
    with pytest.raises(ValueError, match=r"expects images of shape \(64, 64, 1\).*\(None, 32, 32, 1\)"):
        make_frame(frames.VAE).encoder.build((None, 32, 32, 1))
    with pytest.raises(ValueError, match="64x64xC"):
        ConvDecoder((32, 32, 3))


def test_locatello_conv_nets_have_the_published_shapes():
    encoder, decoder = ConvEncoder(10, (64, 64, 3)), ConvDecoder((64, 64, 3))
    mean, logvar = encoder(np.zeros((2, 64, 64, 3), np.float32))
    assert mean.shape == logvar.shape == (2, 10)
    assert decoder(mean).shape == (2, 64, 64, 3)
    # conv 32-32-64-64 (4x4) to 4x4x64, dense 256, two heads of 10.
    conv = (4 * 4 * 3 * 32 + 32) + (4 * 4 * 32 * 32 + 32) + 2 * 0 + (4 * 4 * 32 * 64 + 64) + (4 * 4 * 64 * 64 + 64)
    assert encoder.count_params() == conv + (1024 * 256 + 256) + 2 * (256 * 10 + 10)
    small = ConvEncoder(10, (64, 64, 3), kernel_sizes=(4, 4, 2, 2))
    small.build((None, 64, 64, 3))
    assert small.count_params() < encoder.count_params()


def test_defaults_gin_uses_the_kernels_of_the_disentanglement_lib_code():
    """disentanglement_lib's conv_encoder (methods/shared/architectures.py): e1, e2 4x4 x 32; e3, e4 2x2 x 64."""
    import os

    import gin

    import kvae.config  # noqa: F401  (registers ConvEncoder)

    defaults = os.path.join(os.path.dirname(__file__), "..", "gin_configs", "defaults.gin")
    with gin.config_scope(None):
        gin.clear_config()
        try:
            gin.parse_config_file(defaults, skip_unknown=True)
            encoder = gin.get_configurable(ConvEncoder)(10, (64, 64, 1))
        finally:
            gin.clear_config()
    assert encoder.kernel_sizes == (4, 4, 2, 2)
    encoder.build((None, 64, 64, 1))
    assert [tuple(conv.kernel.shape) for conv in encoder.convs] == [(4, 4, 1, 32), (4, 4, 32, 32), (2, 2, 32, 64), (2, 2, 64, 64)]
    assert encoder.count_params() == (16 * 32 + 32) + (16 * 32 * 32 + 32) + (4 * 32 * 64 + 64) + (4 * 64 * 64 + 64) + (
        1024 * 256 + 256) + 2 * (256 * 10 + 10)


def test_representation_function_of_a_frame_is_its_posterior():
    from kvae import metrics

    model = make_frame(frames.VAE)
    x = blobs(300)  # more than one encoding batch
    mean, logvar = (np.asarray(t) for t in model.encode(x))
    np.testing.assert_allclose(metrics.representation_function(model, batch_size=128)(x), mean, atol=1e-5)
    got_mean, got_logvar = metrics.representation_function(model, mode="posterior")(x)
    np.testing.assert_allclose(got_logvar, logvar, atol=1e-5)
    sampled = metrics.representation_function(model, mode="sample", seed=1)(x)
    np.testing.assert_array_equal(sampled, metrics.representation_function(model, mode="sample", seed=1)(x))
    assert not np.allclose(sampled, mean)
