"""Fully connected encoder and decoder of Locatello et al. 2019 and Halevi."""

import math

import keras
from keras import layers

from kvae.data.arguments import check_int
from kvae.nets.conv import check_image_shape, image_shape_argument
from kvae.nets.registry import NETS


@NETS.register("fc_encoder")
class FCEncoder(keras.layers.Layer):
    """Flatten -> dense 1200-1200 (ReLU) -> mean and log-variance.

    Args:
        latent_dim: number of latent dimensions.
        image_shape: expected (height, width, channels) of the input.
    """

    def __init__(self, latent_dim=10, image_shape=(64, 64, 1), **kwargs):
        super().__init__(**kwargs)
        policy = self.dtype_policy  # the sublayers' too (e.g. dtype="mixed_bfloat16")
        self.latent_dim = check_int("FCEncoder", "latent_dim", latent_dim, low=1)
        self.image_shape = image_shape_argument("FCEncoder", image_shape)
        self.flatten = layers.Flatten(dtype=policy)
        self.hidden = [
            layers.Dense(1200, activation="relu", name=f"dense{i}", dtype=policy) for i in range(2)
        ]
        self.mean = layers.Dense(self.latent_dim, name="mean", dtype=policy)
        self.logvar = layers.Dense(self.latent_dim, name="logvar", dtype=policy)

    def build(self, input_shape):
        check_image_shape("FCEncoder", self.image_shape, input_shape)
        self.flatten.build(tuple(input_shape))
        shape = (None, math.prod(self.image_shape))
        for dense in self.hidden:
            dense.build(shape)
            shape = (None, 1200)
        self.mean.build(shape)
        self.logvar.build(shape)

    def call(self, x):
        h = self.flatten(x)
        for dense in self.hidden:
            h = dense(h)
        return self.mean(h), self.logvar(h)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.latent_dim), (input_shape[0], self.latent_dim)

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "image_shape": self.image_shape}


@NETS.register("fc_decoder")
class FCDecoder(keras.layers.Layer):
    """Dense 1200-1200-1200 (tanh) -> dense H*W*C logits, reshaped to the image.

    Args:
        image_shape: (height, width, channels) of the images.
    """

    def __init__(self, image_shape=(64, 64, 1), **kwargs):
        super().__init__(**kwargs)
        policy = self.dtype_policy  # the sublayers' too (e.g. dtype="mixed_bfloat16")
        self.image_shape = image_shape_argument("FCDecoder", image_shape)
        self.hidden = [
            layers.Dense(1200, activation="tanh", name=f"dense{i}", dtype=policy) for i in range(3)
        ]
        self.logits = layers.Dense(math.prod(self.image_shape), name="logits", dtype=policy)
        self.reshape = layers.Reshape(self.image_shape, dtype=policy)

    def build(self, input_shape):
        shape = input_shape
        for dense in self.hidden:
            dense.build(shape)
            shape = (None, 1200)
        self.logits.build(shape)

    def call(self, z):
        h = z
        for dense in self.hidden:
            h = dense(h)
        return self.reshape(self.logits(h))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self.image_shape

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape}
