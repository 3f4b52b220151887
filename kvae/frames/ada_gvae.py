"""Ada-GVAE (Locatello et al. 2020): GVAE on unlabelled pairs, the shared latents inferred."""

from keras import ops

from kvae.data.arguments import check_bool, check_float
from kvae.frames.gvae import GVAE
from kvae.frames.registry import FRAMES

__all__ = ["AdaGVAE", "adaptive_shared", "gaussian_kl_between"]


def gaussian_kl_between(mean_1, logvar_1, mean_2, logvar_2):
    """KL(N(mean_1, exp(logvar_1)) || N(mean_2, exp(logvar_2))) per latent."""
    ratio = ops.exp(logvar_1 - logvar_2)
    return 0.5 * (ratio + ops.square(mean_1 - mean_2) * ops.exp(-logvar_2) - 1.0 + logvar_2 - logvar_1)


def adaptive_shared(divergence, ratio=0.5):
    """Latents whose divergence is below `min + ratio * (max - min)` of their pair, bool [B, D].

    Locatello et al. 2020 (the adaptive variants): the threshold lies between the
    pair's smallest and largest divergence, at the midpoint by default (the
    two-bin histogram of disentanglement_lib; disent's `ada_thresh_ratio`).
    """
    low = ops.min(divergence, axis=1, keepdims=True)
    high = ops.max(divergence, axis=1, keepdims=True)
    return divergence < low + ratio * (high - low)


@FRAMES.register("ada_gvae")
class AdaGVAE(GVAE):
    """Ada-GVAE (Locatello et al. 2020; Michlo et al. 2023, section 5.2): the shared latents are inferred.

    Trains on pairs [B, 2, H, W, C] alone. Per pair and latent, the KL between
    the two posteriors (`KL(q_1 || q_2)`, or the symmetric `0.5 * (KL(q_1 || q_2) +
    KL(q_2 || q_1))`) is compared with a threshold between the pair's smallest
    and largest KL (`adaptive_shared`); the latents below it are shared and
    averaged arithmetically, the others keep their own posteriors.

    Args:
        beta: weight of the mean KL of the two (averaged) posteriors.
        threshold_ratio: where the threshold lies between the pair's minimum
            (0) and maximum (1) KL; 0.5 is the midpoint.
        symmetric_kl: compare the symmetric KL instead of KL(q_1 || q_2).
    """

    input_mode = "pair"

    def __init__(self, encoder, decoder, threshold_ratio=0.5, symmetric_kl=False, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        owner = type(self).__name__
        self.threshold_ratio = check_float(owner, "threshold_ratio", threshold_ratio, low=0, high=1)
        self.symmetric_kl = check_bool(owner, "symmetric_kl", symmetric_kl)

    def shared_latents(self, mean_1, logvar_1, mean_2, logvar_2, changed=None):
        divergence = gaussian_kl_between(mean_1, logvar_1, mean_2, logvar_2)
        if self.symmetric_kl:
            divergence = 0.5 * (divergence + gaussian_kl_between(mean_2, logvar_2, mean_1, logvar_1))
        return adaptive_shared(ops.stop_gradient(divergence), self.threshold_ratio)

    def get_config(self):
        return {
            **super().get_config(),
            "threshold_ratio": self.threshold_ratio,
            "symmetric_kl": self.symmetric_kl,
        }
