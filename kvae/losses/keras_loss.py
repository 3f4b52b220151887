"""A `keras.losses.Loss` used as a reconstruction loss."""

import keras
from keras import ops

from kvae.data.arguments import check_choice
from kvae.errors import KvaeError
from kvae.losses.reconstruction import ReconstructionLoss

__all__ = ["KerasLoss"]

ACTIVATIONS = ("sigmoid", "linear")


@keras.saving.register_keras_serializable(package="kvae")  # not in LOSSES: it wraps a Keras loss object
class KerasLoss(ReconstructionLoss):
    """A `keras.losses.Loss` (e.g. `keras.losses.Huber()`) as a reconstruction loss, summed over pixels.

    The Keras loss compares each pixel value of the targets with the same value of
    `activation(logits)`, unreduced (its `call` on values of shape [..., 1]); the
    per-example loss is the sum over pixels and channels, as for every kvae loss.
    The activation is the sigmoid by default (reconstructions in [0, 1], as `mse`),
    or "linear" for a Keras loss that takes the logits themselves (e.g.
    `keras.losses.BinaryCrossentropy(from_logits=True)`). A frame saves it with the Keras loss's
    own `get_config`, which may omit arguments (Keras 3.15's `Huber` drops its `delta`).

    Args:
        loss: a `keras.losses.Loss` instance.
        activation: "sigmoid" or "linear": the map from decoder logits to what the Keras loss sees.
        name: the loss's name; by default the Keras loss's.
    """

    def __init__(self, loss, activation="sigmoid", name=None):
        if not isinstance(loss, keras.losses.Loss):
            raise KvaeError(f"KerasLoss: loss must be a keras.losses.Loss instance, got {loss!r}")
        super().__init__(name or loss.name)
        self.loss = loss
        self.activation_name = check_choice("KerasLoss", "activation", activation, ACTIVATIONS)

    def activation(self, logits):
        return ops.sigmoid(logits) if self.activation_name == "sigmoid" else logits

    def pixelwise_data(self, x, x_hat):
        return ops.reshape(self.loss.call(x[..., None], x_hat[..., None]), ops.shape(x))

    def get_config(self):
        return {
            "loss": keras.saving.serialize_keras_object(self.loss),
            "activation": self.activation_name,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**{**config, "loss": keras.saving.deserialize_keras_object(config["loss"])})

    def __repr__(self):
        loss = type(self.loss).__name__
        return f"KerasLoss(name={self.name!r}, loss={loss}, activation={self.activation_name!r})"
