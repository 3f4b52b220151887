"""Weakly supervised frames on pairs of images: GroupVAE, ML-VAE, Ada-GVAE and Ada-ML-VAE.

Each pair shares all but k ground-truth factors. The latents a frame takes as
shared get one posterior for both images, an average of the two, and the loss
is the mean of the two reconstructions + beta * the mean of the two KLs
(Locatello et al. 2020, "Weakly-supervised disentanglement without
compromises"; disentanglement_lib's `weak` models).
"""

import keras
from keras import ops

from kvae.data.arguments import check_bool, check_float
from kvae.errors import KvaeError
from kvae.frames.beta_vae import BetaVAE


def gaussian_kl_between(mean_1, logvar_1, mean_2, logvar_2):
    """KL(N(mean_1, exp(logvar_1)) || N(mean_2, exp(logvar_2))) per latent."""
    ratio = ops.exp(logvar_1 - logvar_2)
    return 0.5 * (ratio + ops.square(mean_1 - mean_2) * ops.exp(-logvar_2) - 1.0 + logvar_2 - logvar_1)


def arithmetic_average(mean_1, logvar_1, mean_2, logvar_2):
    """GVAE average (Hosoya 2019): the means and the variances averaged; returns (mean, logvar)."""
    return 0.5 * (mean_1 + mean_2), ops.log(0.5 * (ops.exp(logvar_1) + ops.exp(logvar_2)))


def product_of_experts(mean_1, logvar_1, mean_2, logvar_2):
    """ML-VAE average (Bouchacourt et al. 2018), as in disentanglement_lib: the
    precision-weighted mean and twice the product-of-experts variance,
    2 var_1 var_2 / (var_1 + var_2); returns (mean, logvar)."""
    precision_1, precision_2 = ops.exp(-logvar_1), ops.exp(-logvar_2)
    mean = (mean_1 * precision_1 + mean_2 * precision_2) / (precision_1 + precision_2)
    return mean, ops.log(2.0 / (precision_1 + precision_2))


def adaptive_shared(divergence, ratio=0.5):
    """Latents whose divergence is below `min + ratio * (max - min)` of their pair, bool [B, D].

    Locatello et al. 2020 (the adaptive variants): the threshold lies between the
    pair's smallest and largest divergence, at the midpoint by default (the
    two-bin histogram of disentanglement_lib; disent's `ada_thresh_ratio`).
    """
    low = ops.min(divergence, axis=1, keepdims=True)
    high = ops.max(divergence, axis=1, keepdims=True)
    return divergence < low + ratio * (high - low)


@keras.saving.register_keras_serializable(package="kvae")
class GroupVAE(BetaVAE):
    """GroupVAE with labels (Hosoya 2019; Locatello et al. 2020): the changed factors are given.

    Trains on `(pairs, changed)`: pairs [B, 2, H, W, C] and the multi-hot mask
    [B, F] of the factors that differ. Latent j stands for factor j: the
    latents of unchanged factors (and latents j >= F) are shared and their
    posteriors replaced by the arithmetic average. Logs "shared", the fraction
    of shared latents.

    Args:
        beta: weight of the mean KL of the two (averaged) posteriors.
    """

    input_mode = "pair_with_labels"
    tracked_terms = ("shared",)
    batch_blocks = 2  # the encoder's batch: the first images of the pairs, then the second ones
    average = staticmethod(arithmetic_average)

    def shared_latents(self, mean_1, logvar_1, mean_2, logvar_2, changed=None):
        """Bool [B, D]: the latents whose posteriors are averaged across each pair."""
        if changed is None:
            raise KvaeError(
                f"{type(self).__name__} trains on (pairs, changed) batches, the changed-factor mask "
                "included: make_dataset(..., mode='pair', with_labels=True)"
            )
        changed = ops.convert_to_tensor(changed)
        num_factors = changed.shape[-1]
        if num_factors > self.latent_dim:
            raise KvaeError(
                f"{type(self).__name__} maps factor j to latent j: {num_factors} factors need at least "
                f"{num_factors} latents, got latent_dim {self.latent_dim}"
            )
        changed = ops.pad(ops.cast(changed, "float32"), [[0, 0], [0, self.latent_dim - num_factors]])
        return changed < 0.5

    def aggregate(self, mean_1, logvar_1, mean_2, logvar_2, changed=None):
        """The posteriors of both images with the shared latents averaged.

        Returns `((mean_1, logvar_1), (mean_2, logvar_2), shared)`.
        """
        shared = self.shared_latents(mean_1, logvar_1, mean_2, logvar_2, changed)
        mean, logvar = self.average(mean_1, logvar_1, mean_2, logvar_2)
        pick = lambda average, own: ops.where(shared, average, own)  # noqa: E731
        return (pick(mean, mean_1), pick(logvar, logvar_1)), (pick(mean, mean_2), pick(logvar, logvar_2)), shared

    def compute_terms(self, x, training=False, y=None):
        if len(x.shape) != 5 or x.shape[1] != 2:
            raise KvaeError(
                f"{type(self).__name__} trains on pairs of images [B, 2, H, W, C], got shape {tuple(x.shape)}"
            )
        images = ops.concatenate([x[:, 0], x[:, 1]], axis=0)
        z_mean, z_logvar = self.encode(images, training=training)
        n = ops.shape(x)[0]
        first, second, shared = self.aggregate(z_mean[:n], z_logvar[:n], z_mean[n:], z_logvar[n:], y)
        z_mean = ops.concatenate([first[0], second[0]], axis=0)
        z_logvar = ops.concatenate([first[1], second[1]], axis=0)
        # Means over both halves of the batch: the mean of the two reconstructions and of the two KLs.
        terms = self.posterior_terms(images, z_mean, z_logvar, training=training)
        return {**terms, "shared": ops.mean(ops.cast(shared, "float32"))}


@keras.saving.register_keras_serializable(package="kvae")
class MLVAE(GroupVAE):
    """ML-VAE with labels (Bouchacourt et al. 2018; Locatello et al. 2020): GroupVAE with the
    product-of-experts average (`product_of_experts`)."""

    average = staticmethod(product_of_experts)


@keras.saving.register_keras_serializable(package="kvae")
class AdaGVAE(GroupVAE):
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
        return {**super().get_config(), "threshold_ratio": self.threshold_ratio, "symmetric_kl": self.symmetric_kl}


@keras.saving.register_keras_serializable(package="kvae")
class AdaMLVAE(AdaGVAE):
    """Ada-ML-VAE (Locatello et al. 2020): Ada-GVAE with the product-of-experts average."""

    average = staticmethod(product_of_experts)
