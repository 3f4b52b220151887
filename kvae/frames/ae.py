"""Deterministic autoencoder: the VAE frame with no sampling and no regulariser."""

from keras import ops

from kvae.frames.base import VAE
from kvae.frames.registry import FRAMES


@FRAMES.register("ae")
class AE(VAE):
    """Autoencoder: codes are the encoder means, the loss is the reconstruction alone.

    The KL of the (unused) posterior is still tracked as a diagnostic.
    """

    def reparameterize(self, z_mean, z_logvar):
        return z_mean

    def regularizer(self, kl, z_mean, z_logvar, z_sampled):
        return ops.zeros_like(kl)
