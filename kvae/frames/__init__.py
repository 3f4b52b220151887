"""VAE frames: subclassed keras.Models sharing the VAE training step, registered in `FRAMES` by short name."""

from kvae.deprecation import deprecated_names
from kvae.frames.ada_gvae import AdaGVAE
from kvae.frames.ada_ml_vae import AdaMLVAE
from kvae.frames.ae import AE
from kvae.frames.annealed_vae import AnnealedVAE
from kvae.frames.base import VAE
from kvae.frames.beta_tcvae import BetaTCVAE
from kvae.frames.beta_vae import BetaVAE
from kvae.frames.dip_vae import DIPVAE
from kvae.frames.factor_vae import FactorVAE
from kvae.frames.grouped_vae import GroupedVAE
from kvae.frames.gvae import GVAE
from kvae.frames.ml_vae import MLVAE
from kvae.frames.registry import FRAMES

__all__ = [
    "AE",
    "DIPVAE",
    "FRAMES",
    "GVAE",
    "MLVAE",
    "VAE",
    "AdaGVAE",
    "AdaMLVAE",
    "AnnealedVAE",
    "BetaTCVAE",
    "BetaVAE",
    "FactorVAE",
    "GroupedVAE",
]

# GroupVAE was renamed GVAE (Locatello et al. 2020's name), apart from Halevi's GroupedVAE.
__getattr__ = deprecated_names(__name__, {"GroupVAE": ("kvae.frames.GVAE", GVAE)})
