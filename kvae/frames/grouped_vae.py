"""Grouped-VAE (Halevi, "Important groups first")."""

import numpy as np
from keras import ops

from kvae.data.arguments import check_int, check_ints, fail
from kvae.frames.beta_vae import BetaVAE
from kvae.frames.registry import FRAMES


@FRAMES.register("grouped_vae")
class GroupedVAE(BetaVAE):
    """Grouped-VAE: `sum_i reconstruction_i + beta * KL` over G latent groups (Halevi, section 4).

    Term i decodes groups 1..i of the sampled code with the later groups set to
    zero (eq. 8-10); its gradient reaches the whole decoder but, of the encoder's
    outputs, only group i (groups < i enter it through `stop_gradient`). The KL
    covers the whole latent (eq. 11). The logged "reconstruction" (and "elbo")
    use the sum of the G terms; `group_reconstructions` gives each.

    Args:
        groups: the number of groups G (latents split as evenly as possible,
            earlier groups larger), or the size of each group.
        beta: weight of the KL.
    """

    def __init__(self, encoder, decoder, groups=2, beta=1.0, **kwargs):
        super().__init__(encoder, decoder, beta=beta, **kwargs)
        owner = type(self).__name__
        if isinstance(groups, (int, np.integer)) and not isinstance(groups, bool):
            self.groups = check_int(
                owner, f"groups (latent_dim {self.latent_dim})", groups, 1, self.latent_dim
            )
            sizes = [len(part) for part in np.array_split(np.arange(self.latent_dim), self.groups)]
        else:
            sizes = list(check_ints(owner, "groups (a number of groups, or the size of each)", groups))
            if sum(sizes) != self.latent_dim:
                raise fail(owner, "groups", f"group sizes summing to latent_dim {self.latent_dim}", groups)
            self.groups = sizes
        self.bounds = tuple(zip(np.cumsum([0] + sizes[:-1]).tolist(), np.cumsum(sizes).tolist()))

    def group_codes(self, z):
        """The G decoder inputs stacked, [G * B, D]: code i is groups < i (no gradient), group i, zeros."""
        codes = [
            ops.concatenate(
                [ops.stop_gradient(z[:, :start]), z[:, start:stop], ops.zeros_like(z[:, stop:])], axis=1
            )
            for start, stop in self.bounds
        ]
        return ops.concatenate(codes, axis=0)

    def group_reconstructions(self, x, z, training=False):
        """The batch mean of each reconstruction term, [G]: one decode of the G codes together."""
        count = len(self.bounds)
        logits = self.decode(self.group_codes(z), training=training)
        per_example = self.reconstruction_loss(ops.tile(x, [count] + [1] * (len(x.shape) - 1)), logits)
        return ops.mean(ops.reshape(per_example, (count, -1)), axis=1)

    def reconstruction_term(self, x, z, training=False):
        return ops.sum(self.group_reconstructions(x, z, training=training))

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}
