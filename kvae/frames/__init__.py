"""VAE frames: subclassed keras.Models sharing the VAE training step."""

from kvae.frames.ada_gvae import AdaGVAE, AdaMLVAE, GroupVAE, MLVAE
from kvae.frames.ae import AE
from kvae.frames.annealed_vae import AnnealedVAE
from kvae.frames.base import VAE
from kvae.frames.beta_tcvae import BetaTCVAE
from kvae.frames.beta_vae import BetaVAE
from kvae.frames.dip_vae import DIPVAE
from kvae.frames.factor_vae import FactorVAE
from kvae.frames.grouped_vae import GroupedVAE

FRAMES = {
    "ae": AE,
    "vae": VAE,
    "beta_vae": BetaVAE,
    "annealed_vae": AnnealedVAE,
    "factor_vae": FactorVAE,
    "beta_tcvae": BetaTCVAE,
    "dip_vae": DIPVAE,
    "group_vae": GroupVAE,
    "ml_vae": MLVAE,
    "ada_gvae": AdaGVAE,
    "ada_ml_vae": AdaMLVAE,
    "grouped_vae": GroupedVAE,
}
