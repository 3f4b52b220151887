"""beta-VAE (Higgins et al. 2017)."""

from kvae import schedules
from kvae.frames.base import VAE
from kvae.frames.registry import FRAMES


@FRAMES.register("beta_vae")
class BetaVAE(VAE):
    """beta-VAE: `reconstruction + beta * KL` (Higgins et al. 2017).

    Args:
        beta: weight of the KL term; 1 is the plain VAE (or a schedule, `kvae.schedules`).
    """

    def __init__(self, encoder, decoder, beta=1.0, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.beta = self.hyperparameter("beta", beta, low=0)

    def regularizer(self, kl, z_mean, z_logvar, z_sampled):
        return self.current(self.beta) * kl

    def get_config(self):
        return {**super().get_config(), "beta": schedules.serialize(self.beta)}
