"""VAE frames: subclassed keras.Models sharing the VAE training step."""

from kvae.frames.ae import AE
from kvae.frames.base import VAE
from kvae.frames.beta_vae import BetaVAE

FRAMES = {"ae": AE, "vae": VAE, "beta_vae": BetaVAE}
