"""Convolutional encoder and decoder of Locatello et al. 2019 (disentanglement_lib)."""

import keras
from keras import layers

from kvae.data.arguments import check_int, check_ints, fail
from kvae.errors import KvaeError
from kvae.nets.registry import NETS


def check_image_shape(name, expected, shape):
    """Raises a clear error when an NHWC input shape does not match `expected` (H, W, C)."""
    if tuple(shape[1:]) != tuple(expected):
        raise KvaeError(
            f"{name} expects images of shape {tuple(expected)} (NHWC), got input shape {tuple(shape)}"
        )


def image_shape_argument(owner, image_shape, size=None):
    """`image_shape` as (H, W, C) positive ints; with `size`, H = W = size (a one-line `KvaeError`
    otherwise)."""
    shape = check_ints(owner, "image_shape (height, width, channels)", image_shape, length=3)
    if size is not None and shape[:2] != (size, size):
        raise fail(owner, "image_shape", f"{size}x{size}xC (height, width, channels)", image_shape)
    return shape


@NETS.register("conv_encoder")
class ConvEncoder(keras.layers.Layer):
    """Conv 32-32-64-64 (stride 2, ReLU) -> dense 256 -> mean and log-variance.

    The encoder of Locatello et al. 2019, Table 1, for 64x64xC images. The
    disentanglement_lib code used 2x2 kernels in the last two conv layers
    (`kernel_sizes=(4, 4, 2, 2)`); the paper's table says 4x4 throughout.

    Args:
        latent_dim: number of latent dimensions.
        image_shape: expected (height, width, channels) of the input; 64x64 only.
        kernel_sizes: kernel size of each of the four conv layers.
    """

    def __init__(self, latent_dim=10, image_shape=(64, 64, 1), kernel_sizes=(4, 4, 4, 4), **kwargs):
        super().__init__(**kwargs)
        policy = self.dtype_policy  # the sublayers' too (e.g. dtype="mixed_bfloat16")
        self.latent_dim = check_int("ConvEncoder", "latent_dim", latent_dim, low=1)
        self.image_shape = image_shape_argument("ConvEncoder", image_shape, 64)
        self.kernel_sizes = check_ints(
            "ConvEncoder", "kernel_sizes (one per conv layer)", kernel_sizes, length=4
        )
        self.convs = [
            layers.Conv2D(
                filters, k, strides=2, padding="same", activation="relu", name=f"conv{i}", dtype=policy
            )
            for i, (filters, k) in enumerate(zip((32, 32, 64, 64), self.kernel_sizes))
        ]
        self.flatten = layers.Flatten(dtype=policy)
        self.hidden = layers.Dense(256, activation="relu", name="dense", dtype=policy)
        self.mean = layers.Dense(self.latent_dim, name="mean", dtype=policy)
        self.logvar = layers.Dense(self.latent_dim, name="logvar", dtype=policy)

    def build(self, input_shape):
        check_image_shape("ConvEncoder", self.image_shape, input_shape)
        shape = tuple(input_shape)
        for conv in self.convs:
            conv.build(shape)
            shape = conv.compute_output_shape(shape)
        self.flatten.build(shape)  # every sublayer built, so a strategy's symbolic build has nothing to call
        shape = self.flatten.compute_output_shape(shape)
        self.hidden.build(shape)
        self.mean.build((None, 256))
        self.logvar.build((None, 256))

    def call(self, x):
        h = x
        for conv in self.convs:
            h = conv(h)
        h = self.hidden(self.flatten(h))
        return self.mean(h), self.logvar(h)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.latent_dim), (input_shape[0], self.latent_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "image_shape": self.image_shape,
            "kernel_sizes": self.kernel_sizes,
        }


@NETS.register("conv_decoder")
class ConvDecoder(keras.layers.Layer):
    """Dense 256 -> dense 1024 -> 4x4x64 -> deconv 64-32-32-C (4x4, stride 2) -> logits.

    The decoder of Locatello et al. 2019, Table 1, producing 64x64xC logits.

    Args:
        image_shape: (height, width, channels) of the images; 64x64 only.
    """

    def __init__(self, image_shape=(64, 64, 1), **kwargs):
        super().__init__(**kwargs)
        policy = self.dtype_policy  # the sublayers' too (e.g. dtype="mixed_bfloat16")
        self.image_shape = image_shape_argument("ConvDecoder", image_shape, 64)
        self.hidden = layers.Dense(256, activation="relu", name="dense0", dtype=policy)
        self.project = layers.Dense(1024, activation="relu", name="dense1", dtype=policy)
        self.reshape = layers.Reshape((4, 4, 64), dtype=policy)
        self.deconvs = [
            layers.Conv2DTranspose(
                filters, 4, strides=2, padding="same", activation=act, name=f"deconv{i}", dtype=policy
            )
            for i, (filters, act) in enumerate(
                ((64, "relu"), (32, "relu"), (32, "relu"), (self.image_shape[2], None))
            )
        ]

    def build(self, input_shape):
        self.hidden.build(input_shape)
        self.project.build((None, 256))
        shape = (None, 4, 4, 64)
        for deconv in self.deconvs:
            deconv.build(shape)
            shape = deconv.compute_output_shape(shape)

    def call(self, z):
        h = self.reshape(self.project(self.hidden(z)))
        for deconv in self.deconvs:
            h = deconv(h)
        return h

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self.image_shape

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape}
