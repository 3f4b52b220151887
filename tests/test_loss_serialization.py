"""Reconstruction losses a frame saves and loads: a user's registered loss, a Keras loss, an augmented
loss."""

import json

import keras
import numpy as np
import pytest
from scipy.special import expit

from kvae import frames, losses, nets
from kvae.testing import check_round_trip

SHAPE = (8, 8, 1)


@pytest.fixture
def huber(monkeypatch):
    """A user's loss registered as "huber" for the test (the registry is restored afterwards)."""
    monkeypatch.setattr(losses.LOSSES, "_entries", dict(losses.LOSSES._entries))

    @losses.LOSSES.register("huber")
    class Huber(losses.ReconstructionLoss):
        """Huber loss summed over pixels, on sigmoid(logits)."""

        difference_only = True

        def __init__(self, delta=1.0, name=None):
            super().__init__(name)
            self.delta = delta

        def pixelwise_data(self, x, x_hat):
            error = keras.ops.abs(x - x_hat)
            return keras.ops.where(
                error <= self.delta, 0.5 * error**2, self.delta * (error - 0.5 * self.delta)
            )

        def get_config(self):
            return {**super().get_config(), "delta": self.delta}

    return Huber


def _data(n=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n,) + SHAPE).astype(np.float32), rng.normal(size=(n,) + SHAPE).astype(np.float32) * 3


def _frame(loss):
    model = frames.BetaVAE(
        nets.FCEncoder(3, SHAPE), nets.FCDecoder(SHAPE), beta=2.0, reconstruction_loss=loss, seed=0
    )
    model.build((None,) + SHAPE)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    return model


def test_a_registered_loss_of_ones_own_is_built_by_name_and_is_a_base_of_augmented_names(huber):
    x, logits = _data()
    loss = losses.get("huber")
    assert type(loss) is huber and loss.name == "huber" and "huber" in losses.known_names()
    np.testing.assert_allclose(loss(x, logits), 0.5 * losses.get("mse")(x, logits), rtol=1e-5)  # |x - x^| < 1
    augmented = losses.get("huber_box_r1_l1.0_k9.0")
    assert isinstance(augmented.base, huber)
    blurred = 0.5 * losses.get("mse_box_r1_l1.0_k9.0")(x, logits)
    np.testing.assert_allclose(augmented(x, logits), blurred, rtol=1e-5)


def test_a_frame_with_a_loss_of_ones_own_saves_and_loads_with_equal_outputs(huber, tmp_path):
    model = _frame(huber(delta=0.25))
    x, _ = _data()
    model.train_on_batch(x)
    stored = model.get_config()["reconstruction_loss"]
    assert stored["registered_name"] == "kvae>Huber" and stored["config"] == {"name": "huber", "delta": 0.25}
    loaded = check_round_trip(model, str(tmp_path / "huber.keras"), x)  # same class, config and outputs
    assert type(loaded.reconstruction_loss) is huber and loaded.reconstruction_loss.delta == 0.25
    np.testing.assert_allclose(
        loaded.test_on_batch(x, return_dict=True)["reconstruction"],
        model.test_on_batch(x, return_dict=True)["reconstruction"],
        rtol=1e-6,
    )


def test_a_keras_loss_is_summed_over_pixels_of_the_sigmoid_and_trains_a_step(tmp_path):
    x, logits = _data()
    loss = losses.get(keras.losses.Huber(delta=1.0))
    assert isinstance(loss, losses.KerasLoss) and loss.name == "huber_loss"
    np.testing.assert_allclose(loss.activation(logits), expit(logits), rtol=1e-6)
    expected = (0.5 * (x - expit(logits.astype(np.float64))) ** 2).sum(axis=(1, 2, 3))  # |x - x^| < 1 = delta
    np.testing.assert_allclose(loss(x, logits), expected, rtol=1e-5)
    model = _frame(keras.losses.Huber())
    logs = model.train_on_batch(x, return_dict=True)
    assert np.isfinite(logs["loss"]) and logs["reconstruction"] > 0
    check_round_trip(model, str(tmp_path / "keras_huber.keras"), x)


def test_a_keras_loss_on_logits_takes_the_linear_activation():
    x, logits = _data()
    loss = losses.KerasLoss(keras.losses.BinaryCrossentropy(from_logits=True), activation="linear")
    np.testing.assert_allclose(loss(x, logits), losses.get("bernoulli")(x, logits), rtol=1e-4)
    with pytest.raises(
        ValueError, match="KerasLoss: activation must be one of 'sigmoid', 'linear', got 'tanh'"
    ):
        losses.KerasLoss(keras.losses.Huber(), activation="tanh")
    with pytest.raises(ValueError, match="KerasLoss: loss must be a keras.losses.Loss instance, got 'mse'"):
        losses.KerasLoss("mse")


def test_named_losses_are_stored_by_name_and_configs_naming_a_loss_still_load():
    for name in ("mse", "bernoulli", "mse_box_r31_l1.0_k3969.0", "bce_gau_r3_l1.0_k1.0_norm_none"):
        assert losses.serialize(losses.get(name)) == name
    config = _frame("mse").get_config()
    assert config["reconstruction_loss"] == "mse"  # as every .keras file before registries stored it
    assert frames.BetaVAE.from_config(json.loads(json.dumps(config))).reconstruction_loss.name == "mse"


def test_an_augmented_loss_of_an_unnamed_kernel_round_trips_through_its_config():
    kernel = np.random.default_rng(3).random((3, 5))
    loss = losses.AugmentedLoss("mse", kernel, loss_weight=0.5, alpha=2.0)
    stored = json.loads(json.dumps(losses.serialize(loss)))
    assert stored["class_name"] == "AugmentedLoss"
    copy = losses.get(stored)
    x, logits = _data()
    np.testing.assert_array_equal(copy.kernel, loss.kernel)
    np.testing.assert_allclose(copy(x, logits), loss(x, logits), rtol=1e-6)


def test_a_config_that_is_not_a_reconstruction_loss_is_refused():
    with pytest.raises(ValueError, match="must give a kvae.losses.ReconstructionLoss, got <Dense"):
        losses.get(keras.saving.serialize_keras_object(keras.layers.Dense(2)))
