"""Ada-ML-VAE (Locatello et al. 2020)."""

from kvae.frames.ada_gvae import AdaGVAE
from kvae.frames.ml_vae import product_of_experts
from kvae.frames.registry import FRAMES

__all__ = ["AdaMLVAE"]


@FRAMES.register("ada_ml_vae")
class AdaMLVAE(AdaGVAE):
    """Ada-ML-VAE (Locatello et al. 2020): Ada-GVAE with the product-of-experts average."""

    average = staticmethod(product_of_experts)
