"""FactorVAE (Kim & Mnih 2018)."""

import keras
import tensorflow as tf
from keras import ops

from kvae import distribute, schedules
from kvae.data.arguments import fail
from kvae.frames.base import VAE
from kvae.frames.registry import FRAMES
from kvae.nets.discriminator import Discriminator


@FRAMES.register("factor_vae")
class FactorVAE(VAE):
    """FactorVAE: `reconstruction + KL + gamma * TC` (Kim & Mnih 2018, "Disentangling by factorising").

    The total correlation TC = KL(q(z) || prod_j q(z_j)) is estimated with the
    density-ratio trick: a discriminator tells sampled codes from codes whose
    latents were permuted independently across the batch (samples of
    prod_j q(z_j), Algorithm 1), and TC ~ mean(logit_0 - logit_1) on the
    sampled codes. The discriminator has its own optimizer and is updated on
    the same batch at every step, after both gradients are taken from one
    forward pass (as in disentanglement_lib); the main optimizer, whose step
    counter is the training step, trains every variable but the discriminator's.
    Logs "tc", "discriminator_loss" and "discriminator_accuracy". Under data
    parallelism the permutation is drawn over the all-gathered batch (as on one
    device) and each replica scores its rows; under mixed_float16 the
    discriminator's optimizer is a `LossScaleOptimizer` as well.

    Args:
        gamma: weight of the total correlation (or a schedule, `kvae.schedules`).
        discriminator: a layer mapping codes to 2 logits; default the MLP of
            Kim & Mnih (`kvae.nets.Discriminator`).
        discriminator_optimizer: a Keras optimizer (or its config); default
            Adam(1e-4, beta_1=0.5, beta_2=0.9, epsilon=1e-8) as in Locatello et al. 2019
            (disentanglement_lib's `discriminator_optimizer`).
    """

    tracked_terms = ("tc", "discriminator_loss", "discriminator_accuracy")

    def __init__(
        self, encoder, decoder, gamma=10.0, discriminator=None, discriminator_optimizer=None, **kwargs
    ):
        super().__init__(encoder, decoder, **kwargs)
        owner = type(self).__name__
        self.gamma = self.hyperparameter("gamma", gamma, low=0)
        if discriminator is not None and not isinstance(discriminator, keras.layers.Layer):
            raise fail(owner, "discriminator", "a Keras layer mapping codes to 2 logits", discriminator)
        self.discriminator = discriminator or Discriminator()
        if not discriminator_optimizer:
            discriminator_optimizer = keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9, epsilon=1e-8)
        try:
            discriminator_optimizer = keras.optimizers.get(discriminator_optimizer)
        except (ValueError, TypeError):
            raise fail(
                owner, "discriminator_optimizer", "a Keras optimizer or its config", discriminator_optimizer
            ) from None
        if self.dtype_policy.name == "mixed_float16" and not isinstance(
            discriminator_optimizer, keras.optimizers.LossScaleOptimizer
        ):
            discriminator_optimizer = keras.optimizers.LossScaleOptimizer(discriminator_optimizer)
        self.discriminator_optimizer = discriminator_optimizer

    def build(self, input_shape):
        super().build(input_shape)
        if not self.discriminator.built:
            self.discriminator.build((None, self.latent_dim))
        if not self.discriminator_optimizer.built:  # so that a .keras file restores its state
            self.discriminator_optimizer.build(self.discriminator.trainable_variables)

    @property
    def trainable_variables(self):
        """The variables of the main optimizer: all but the discriminator's."""
        own = {id(v) for v in self.discriminator.trainable_variables}
        return [v for v in super().trainable_variables if id(v) not in own]

    def permute_dims(self, z):
        """Permutes every latent independently across the batch (Kim & Mnih 2018, Algorithm 1)."""
        noise = keras.random.uniform(ops.shape(z), seed=self.seed_generator)
        return ops.take_along_axis(z, ops.argsort(noise, axis=0), axis=0)

    def regularizer(self, kl, z_mean, z_logvar, z_sampled):
        n = ops.shape(z_sampled)[0]
        permuted = distribute.local_rows(
            self.permute_dims(distribute.all_gather(ops.stop_gradient(z_sampled)))
        )
        logits = ops.cast(self.discriminator(ops.concatenate([z_sampled, permuted], axis=0)), "float32")
        joint, product = logits[:n], logits[n:]
        tc = ops.mean(joint[:, 0] - joint[:, 1])
        discriminator_loss = -0.5 * (
            ops.mean(ops.log_softmax(joint)[:, 0]) + ops.mean(ops.log_softmax(product)[:, 1])
        )
        accuracy = 0.5 * (
            ops.mean(ops.cast(joint[:, 0] >= joint[:, 1], "float32"))
            + ops.mean(ops.cast(product[:, 1] > product[:, 0], "float32"))
        )
        return {
            "regularizer": kl + self.current(self.gamma) * tc,
            "tc": tc,
            "discriminator_loss": discriminator_loss,
            "discriminator_accuracy": accuracy,
        }

    def train_step(self, data):
        x, y = self.unpack(data)
        with tf.GradientTape(persistent=True) as tape:
            terms = self.compute_terms(x, training=True, y=y)
        # Variables are collected after the forward pass, which builds whatever was not built.
        self.apply_gradients(tape, terms["loss"], self.trainable_variables)
        self.apply_gradients(
            tape,
            terms["discriminator_loss"],
            self.discriminator.trainable_variables,
            self.discriminator_optimizer,
        )
        del tape
        return self.update_trackers(terms)

    def get_config(self):
        return {
            **super().get_config(),
            "gamma": schedules.serialize(self.gamma),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "discriminator_optimizer": keras.optimizers.serialize(self.discriminator_optimizer),
        }

    @classmethod
    def from_config(cls, config):
        config = {**config, "discriminator": keras.saving.deserialize_keras_object(config["discriminator"])}
        return super().from_config(config)
