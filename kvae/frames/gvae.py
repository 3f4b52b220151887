"""GVAE with labels (Hosoya 2019; Locatello et al. 2020): the base of the weakly supervised frames on pairs.

Each pair shares all but k ground-truth factors. The latents a frame takes as
shared get one posterior for both images, an average of the two, and the loss
is the mean of the two reconstructions + beta * the mean of the two KLs
(Locatello et al. 2020, "Weakly-supervised disentanglement without
compromises"; disentanglement_lib's `weak` models). ML-VAE (`ml_vae`), Ada-GVAE
(`ada_gvae`) and Ada-ML-VAE (`ada_ml_vae`) change the average or infer the
shared latents.
"""

import keras
from keras import ops

from kvae.errors import KvaeError
from kvae.frames.beta_vae import BetaVAE
from kvae.frames.registry import FRAMES

__all__ = ["GVAE", "arithmetic_average"]


def arithmetic_average(mean_1, logvar_1, mean_2, logvar_2):
    """GVAE average (Hosoya 2019): the means and the variances averaged; returns (mean, logvar)."""
    return 0.5 * (mean_1 + mean_2), ops.log(0.5 * (ops.exp(logvar_1) + ops.exp(logvar_2)))


@FRAMES.register("group_vae")
class GVAE(BetaVAE):
    """GVAE with labels (Hosoya 2019; Locatello et al. 2020): the changed factors are given.

    Trains on `(pairs, changed)`: pairs [B, 2, H, W, C] and the multi-hot mask
    [B, F] of the factors that differ. Latent j stands for factor j: the
    latents of unchanged factors (and latents j >= F) are shared and their
    posteriors replaced by the arithmetic average. Logs "shared", the fraction
    of shared latents. (Not Halevi's Grouped-VAE, `GroupedVAE`, which splits the latent into groups.)

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
        first = (pick(mean, mean_1), pick(logvar, logvar_1))
        return first, (pick(mean, mean_2), pick(logvar, logvar_2)), shared

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


# .keras files saved before the rename name the class GroupVAE.
keras.saving.get_custom_objects()["kvae>GroupVAE"] = GVAE
