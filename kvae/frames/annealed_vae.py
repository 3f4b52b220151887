"""AnnealedVAE (Burgess et al. 2018)."""

from keras import ops

from kvae.data.arguments import check_float, check_int
from kvae.frames.base import VAE
from kvae.frames.registry import FRAMES


@FRAMES.register("annealed_vae")
class AnnealedVAE(VAE):
    """AnnealedVAE: `reconstruction + gamma * |KL - C|` with a rising capacity C.

    Burgess et al. 2018, "Understanding disentangling in beta-VAE", section 5: C
    grows linearly from 0 to `c_max` nats over the first `iteration_threshold`
    optimizer steps, then stays at `c_max` (disentanglement_lib's schedule).
    C is logged as "capacity".

    Args:
        gamma: weight of the distance between the KL and the capacity.
        c_max: final capacity in nats.
        iteration_threshold: optimizer steps until the capacity reaches `c_max`.
    """

    tracked_terms = ("capacity",)

    def __init__(self, encoder, decoder, gamma=1000.0, c_max=25.0, iteration_threshold=100000, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        owner = type(self).__name__
        self.gamma = check_float(owner, "gamma", gamma, low=0)
        self.c_max = check_float(owner, "c_max", c_max, low=0)
        self.iteration_threshold = check_int(owner, "iteration_threshold", iteration_threshold, low=1)

    def capacity(self, step):
        """The capacity C (nats) at optimizer step `step`."""
        progress = ops.cast(step, "float32") / float(self.iteration_threshold)
        return self.c_max * ops.minimum(progress, 1.0)

    def regularizer(self, kl, z_mean, z_logvar, z_sampled):
        optimizer = getattr(self, "optimizer", None)  # None before compile: step 0
        step = optimizer.iterations if optimizer is not None else 0
        capacity = self.capacity(step)
        return {"regularizer": self.gamma * ops.abs(kl - capacity), "capacity": capacity}

    def get_config(self):
        return {
            **super().get_config(),
            "gamma": self.gamma,
            "c_max": self.c_max,
            "iteration_threshold": self.iteration_threshold,
        }
