import keras
import numpy as np
import pytest

from kvae import frames
from kvae.testing import check_round_trip, fit_losses, small_frame, xysquares_images
from kvae.nets import ConvDecoder, ConvEncoder, Discriminator


def log_softmax(logits):
    logits = logits - logits.max(axis=1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


def test_permutation_keeps_each_column_and_breaks_the_pairing():
    model = small_frame(frames.FactorVAE, latent_dim=4, discriminator=Discriminator(units=8, num_layers=1))
    z = np.tile(np.arange(64, dtype=np.float32)[:, None], (1, 4))  # every row pairs equal values
    permuted = np.asarray(model.permute_dims(z))
    for j in range(4):
        np.testing.assert_array_equal(np.sort(permuted[:, j]), z[:, j])
    assert np.mean(np.all(permuted == permuted[:, :1], axis=1)) < 0.1
    assert len({tuple(permuted[:, j]) for j in range(4)}) == 4  # an independent permutation per latent
    assert not np.array_equal(permuted, np.asarray(model.permute_dims(z)))


def test_regulariser_matches_the_density_ratio_estimates():
    model = small_frame(frames.FactorVAE, latent_dim=3, gamma=7.0, discriminator=Discriminator(units=16, num_layers=2))
    z = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    state = np.asarray(model.seed_generator.state)
    permuted = np.asarray(model.permute_dims(z))
    model.seed_generator.state.assign(state)  # the regulariser draws the same permutation
    terms = model.regularizer(np.float32(2.5), z, z, z)
    joint = np.asarray(model.discriminator(z), np.float64)
    product = np.asarray(model.discriminator(permuted), np.float64)
    tc = np.mean(joint[:, 0] - joint[:, 1])
    np.testing.assert_allclose(float(terms["tc"]), tc, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(float(terms["regularizer"]), 2.5 + 7.0 * tc, rtol=1e-5)
    loss = -0.5 * (log_softmax(joint)[:, 0].mean() + log_softmax(product)[:, 1].mean())
    np.testing.assert_allclose(float(terms["discriminator_loss"]), loss, rtol=1e-5)
    accuracy = 0.5 * (np.mean(joint.argmax(1) == 0) + np.mean(product.argmax(1) == 1))
    np.testing.assert_allclose(float(terms["discriminator_accuracy"]), accuracy)


def test_training_steps_both_optimizers_once_per_step_and_round_trips(tmp_path):
    x = xysquares_images(8)
    model = small_frame(frames.FactorVAE, gamma=20.0, discriminator=Discriminator(units=32, num_layers=2))
    before = [np.asarray(v) for v in model.discriminator.trainable_variables]
    losses = fit_losses(model, x)
    assert losses[-1] < losses[0]
    assert int(model.optimizer.iterations.numpy()) == int(model.discriminator_optimizer.iterations.numpy()) == 6
    after = [np.asarray(v) for v in model.discriminator.trainable_variables]
    assert all(not np.array_equal(a, b) for a, b in zip(before, after))
    # The main optimizer trains the encoder and decoder only; the discriminator has its own.
    own = {id(v) for v in model.discriminator.trainable_variables}
    assert not own & {id(v) for v in model.trainable_variables}
    vae_variables = model.encoder.trainable_variables + model.decoder.trainable_variables
    assert len(model.optimizer.variables) == 2 + 2 * len(vae_variables)  # iteration, learning rate, m and v
    logs = model.get_metrics_result()
    assert {"tc", "discriminator_loss", "discriminator_accuracy"} <= set(logs)
    loaded = check_round_trip(model, str(tmp_path / "factor.keras"), x[:4])
    assert loaded.gamma == 20.0
    loaded.fit(x[:4], batch_size=4, epochs=1, verbose=0)  # training goes on with both restored optimizers
    assert int(loaded.optimizer.iterations.numpy()) == int(loaded.discriminator_optimizer.iterations.numpy()) == 7
    assert float(loaded.discriminator_optimizer.beta_1) == 0.5 and float(loaded.discriminator_optimizer.beta_2) == 0.9


def test_default_discriminator_is_the_kim_and_mnih_mlp():
    discriminator = Discriminator()
    assert discriminator(np.zeros((2, 10), np.float32)).shape == (2, 2)
    assert discriminator.count_params() == (10 * 1000 + 1000) + 5 * (1000 * 1000 + 1000) + (1000 * 2 + 2)
    optimizer = frames.FactorVAE(ConvEncoder(4, (64, 64, 3)), ConvDecoder((64, 64, 3))).discriminator_optimizer
    assert isinstance(optimizer, keras.optimizers.Adam)
    # disentanglement_lib's FactorVAE discriminator optimizer: AdamOptimizer(1e-4, beta1=0.5, beta2=0.9, epsilon=1e-8).
    assert [float(optimizer.learning_rate), optimizer.beta_1, optimizer.beta_2] == pytest.approx([1e-4, 0.5, 0.9])
    assert optimizer.epsilon == 1e-8
