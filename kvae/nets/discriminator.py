"""The code discriminator of FactorVAE (Kim & Mnih 2018)."""

import keras
from keras import layers

from kvae.data.arguments import check_float, check_int
from kvae.nets.registry import NETS


@NETS.register("discriminator")
class Discriminator(keras.layers.Layer):
    """MLP on codes -> 2 logits: class 0 "drawn from q(z)", class 1 "from prod_j q(z_j)".

    Kim & Mnih 2018, appendix (and disentanglement_lib): 6 dense layers of 1000
    units with LeakyReLU(0.2), then a dense layer of 2 logits.

    Args:
        units: width of each hidden layer.
        num_layers: number of hidden layers.
        negative_slope: slope of the LeakyReLU for negative inputs.
    """

    def __init__(self, units=1000, num_layers=6, negative_slope=0.2, **kwargs):
        super().__init__(**kwargs)
        policy = self.dtype_policy  # the sublayers' too (e.g. dtype="mixed_bfloat16")
        self.units = check_int("Discriminator", "units", units, low=1)
        self.num_layers = check_int("Discriminator", "num_layers", num_layers, low=1)
        self.negative_slope = check_float("Discriminator", "negative_slope", negative_slope, low=0)
        self.hidden = [
            layers.Dense(self.units, name=f"dense{i}", dtype=policy) for i in range(self.num_layers)
        ]
        self.activation = layers.LeakyReLU(self.negative_slope, dtype=policy)
        self.logits = layers.Dense(2, name="logits", dtype=policy)

    def build(self, input_shape):
        shape = tuple(input_shape)
        for dense in self.hidden:
            dense.build(shape)
            shape = (shape[0], self.units)
        self.logits.build(shape)

    def call(self, z):
        h = z
        for dense in self.hidden:
            h = self.activation(dense(h))
        return self.logits(h)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "num_layers": self.num_layers,
            "negative_slope": self.negative_slope,
        }
