"""DIP-VAE-I and DIP-VAE-II (Kumar et al. 2018)."""

from keras import ops

from kvae import distribute, schedules
from kvae.data.arguments import check_choice
from kvae.frames.base import VAE
from kvae.frames.registry import FRAMES

DIP_TYPES = ("i", "ii")


def dip_covariance(z_mean, z_logvar, dip_type="i"):
    """The covariance DIP-VAE matches to the identity, [D, D].

    Kumar et al. 2018, "Variational inference of disentangled latent concepts
    from unlabeled observations", section 3: "i", Cov[mu(x)]; "ii",
    Cov_q(z)[z] = Cov[mu(x)] + E[diag(sigma^2(x))]. Batch moments
    divide by the batch size.
    """
    centered = z_mean - ops.mean(z_mean, axis=0, keepdims=True)
    covariance = ops.matmul(ops.transpose(centered), centered) / ops.cast(ops.shape(z_mean)[0], z_mean.dtype)
    if dip_type == "ii":
        covariance = covariance + ops.diag(ops.mean(ops.exp(z_logvar), axis=0))
    return covariance


def dip_penalty(covariance, lambda_od, lambda_d):
    """`lambda_od * sum_{i != j} C_ij^2 + lambda_d * sum_i (C_ii - 1)^2` (Kumar et al. 2018)."""
    diagonal = ops.diagonal(covariance)
    off_diagonal = ops.sum(ops.square(covariance)) - ops.sum(ops.square(diagonal))
    return lambda_od * off_diagonal + lambda_d * ops.sum(ops.square(diagonal - 1.0))


@FRAMES.register("dip_vae")
class DIPVAE(VAE):
    """DIP-VAE: `reconstruction + KL + DIP penalty` (Kumar et al. 2018).

    The penalty (`dip_penalty`, logged as "dip") pushes the covariance of the
    mean codes (DIP-VAE-I) or of the sampled codes (DIP-VAE-II) to the identity,
    with `lambda_d = lambda_d_factor * lambda_od` (Locatello et al. 2019: factor
    10 for I, 1 for II). Under data parallelism the covariance is that of the
    all-gathered batch (`kvae.distribute.all_gather`): every replica computes
    the penalty of the global batch, as one device would.

    Args:
        lambda_od: weight of the off-diagonal entries.
        lambda_d_factor: weight of the diagonal entries relative to `lambda_od`.
        dip_type: "i" or "ii".
        (lambda_od and lambda_d_factor may be schedules, `kvae.schedules`.)
    """

    tracked_terms = ("dip",)

    def __init__(self, encoder, decoder, lambda_od=10.0, lambda_d_factor=10.0, dip_type="i", **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        owner = type(self).__name__
        self.lambda_od = self.hyperparameter("lambda_od", lambda_od, low=0)
        self.lambda_d_factor = self.hyperparameter("lambda_d_factor", lambda_d_factor, low=0)
        self.dip_type = check_choice(owner, "dip_type", dip_type, DIP_TYPES)

    def regularizer(self, kl, z_mean, z_logvar, z_sampled):
        covariance = dip_covariance(
            distribute.all_gather(z_mean), distribute.all_gather(z_logvar), self.dip_type
        )
        lambda_od = self.current(self.lambda_od)
        dip = dip_penalty(covariance, lambda_od, self.current(self.lambda_d_factor) * lambda_od)
        return {"regularizer": kl + dip, "dip": dip}

    def get_config(self):
        return {
            **super().get_config(),
            "lambda_od": schedules.serialize(self.lambda_od),
            "lambda_d_factor": schedules.serialize(self.lambda_d_factor),
            "dip_type": self.dip_type,
        }
