"""ML-VAE with labels (Bouchacourt et al. 2018; Locatello et al. 2020)."""

from keras import ops

from kvae.frames.gvae import GVAE
from kvae.frames.registry import FRAMES

__all__ = ["MLVAE", "product_of_experts"]


def product_of_experts(mean_1, logvar_1, mean_2, logvar_2):
    """ML-VAE average (Bouchacourt et al. 2018), as in disentanglement_lib: the
    precision-weighted mean and twice the product-of-experts variance,
    2 var_1 var_2 / (var_1 + var_2); returns (mean, logvar)."""
    precision_1, precision_2 = ops.exp(-logvar_1), ops.exp(-logvar_2)
    mean = (mean_1 * precision_1 + mean_2 * precision_2) / (precision_1 + precision_2)
    return mean, ops.log(2.0 / (precision_1 + precision_2))


@FRAMES.register("ml_vae")
class MLVAE(GVAE):
    """ML-VAE with labels (Bouchacourt et al. 2018; Locatello et al. 2020): GVAE with the
    product-of-experts average (`product_of_experts`)."""

    average = staticmethod(product_of_experts)
