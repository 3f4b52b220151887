"""AnnealedVAE (Burgess et al. 2018)."""

from keras import ops

from kvae import schedules
from kvae.data.arguments import check_float, check_int
from kvae.frames.base import VAE
from kvae.frames.registry import FRAMES


@FRAMES.register("annealed_vae")
class AnnealedVAE(VAE):
    """AnnealedVAE: `reconstruction + gamma * |KL - C|` with a rising capacity C.

    Burgess et al. 2018, "Understanding disentangling in beta-VAE", section 5: C
    grows linearly from 0 to `c_max` nats over the first `iteration_threshold`
    optimizer steps, then stays at `c_max` (disentanglement_lib's schedule, the
    `kvae.schedules.Linear` ramp). C is logged as "capacity".

    Args:
        gamma: weight of the distance between the KL and the capacity (or a schedule, `kvae.schedules`).
        c_max: final capacity in nats.
        iteration_threshold: optimizer steps until the capacity reaches `c_max`.
        capacity: C as another schedule (or a number), in place of the ramp of `c_max` and
            `iteration_threshold`; None: that ramp.
    """

    tracked_terms = ("capacity",)

    def __init__(
        self, encoder, decoder, gamma=1000.0, c_max=25.0, iteration_threshold=100000, capacity=None, **kwargs
    ):
        super().__init__(encoder, decoder, **kwargs)
        owner = type(self).__name__
        self.gamma = self.hyperparameter("gamma", gamma, low=0)
        self.c_max = check_float(owner, "c_max", c_max, low=0)
        self.iteration_threshold = check_int(owner, "iteration_threshold", iteration_threshold, low=1)
        if capacity is None:
            capacity = schedules.Linear(0.0, self.c_max, end_step=self.iteration_threshold)
        self.capacity_schedule = self.hyperparameter("capacity", capacity, low=0)

    def capacity(self, step):
        """The capacity C (nats) at optimizer step `step`."""
        return self.current(self.capacity_schedule, step)

    def regularizer(self, kl, z_mean, z_logvar, z_sampled):
        capacity = self.current(self.capacity_schedule)
        return {"regularizer": self.current(self.gamma) * ops.abs(kl - capacity), "capacity": capacity}

    def get_config(self):
        return {
            **super().get_config(),
            "gamma": schedules.serialize(self.gamma),
            "c_max": self.c_max,
            "iteration_threshold": self.iteration_threshold,
            "capacity": schedules.serialize(self.capacity_schedule),
        }
