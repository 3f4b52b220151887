"""beta-TCVAE (Chen et al. 2018)."""

import math

from keras import ops

from kvae import distribute, losses, schedules
from kvae.data.arguments import check_bool, check_choice, check_int
from kvae.errors import KvaeError
from kvae.frames.base import VAE
from kvae.frames.registry import FRAMES

SAMPLINGS = ("mws", "mss")


def log_importance_weights(batch_size, dataset_size, sampling="mws"):
    """log w[i, j]: the weight of q(z_i | x_j) in the minibatch estimate of q(z_i), [B, B].

    "mws", minibatch-weighted sampling: 1 / (N B) everywhere, as in Chen et al.
    2018 (section 3 and their code). Its rows sum to 1 / N, so its log q(z) is
    offset by -log N and its TC by (D - 1) log N: constants, without gradient.
    "mss", minibatch-stratified sampling (Chen et al. 2018, appendix), with
    M = B - 1 other points: 1 / N for the point z_i was drawn from,
    (N - M) / (N M) for one other point (the next one, cyclically) and 1 / M for
    the rest; each row sums to 1 (the batch needs at least 2 points).
    `batch_size` may be a symbolic (traced) batch size.
    """
    n = float(dataset_size)
    if sampling == "mws":
        log_weight = -math.log(n) - ops.log(ops.cast(batch_size, "float32"))
        return ops.full((batch_size, batch_size), log_weight)
    others = ops.cast(batch_size - 1, "float32")
    own = ops.eye(batch_size)
    stratum = ops.roll(own, 1, axis=1)
    weights = own / n + stratum * (n - others) / (n * others) + (1.0 - own - stratum) / others
    return ops.log(weights)


def kl_decomposition(z, z_mean, z_logvar, dataset_size, sampling="mws"):
    """Minibatch estimates of (index-code MI, total correlation, dimension-wise KL).

    Chen et al. 2018, "Isolating sources of disentanglement in VAEs", section 3:
    with log q(z) and log q(z_j) estimated on the batch,
        MI = E[log q(z|x) - log q(z)],
        TC = E[log q(z) - sum_j log q(z_j)],
        dimension-wise KL = E[sum_j log q(z_j) - log p(z)],
    which sum to the Monte Carlo estimate of E[KL(q(z|x) || p(z))].

    Under data parallelism each replica estimates log q(z_i) of its own codes
    against the posteriors of the all-gathered batch (and its rows of the
    weights), so the replicas' mean is the one-device estimate on the global batch.

    Args:
        z, z_mean, z_logvar: sampled codes and their posteriors, [B, D] each.
        dataset_size: number of training examples N.
        sampling: "mws" or "mss" (see `log_importance_weights`).
    """
    # log q(z_i[d] | x_j) for every pair: [B, B, D].
    batch_mean, batch_logvar = distribute.all_gather(z_mean), distribute.all_gather(z_logvar)
    pairwise = losses.gaussian_log_density(z[:, None, :], batch_mean[None, :, :], batch_logvar[None, :, :])
    log_w = distribute.local_rows(log_importance_weights(ops.shape(batch_mean)[0], dataset_size, sampling))
    log_qz = ops.logsumexp(log_w + ops.sum(pairwise, axis=2), axis=1)
    log_qz_marginals = ops.sum(ops.logsumexp(log_w[:, :, None] + pairwise, axis=1), axis=1)
    log_qz_given_x = ops.sum(losses.gaussian_log_density(z, z_mean, z_logvar), axis=1)
    log_pz = ops.sum(losses.gaussian_log_density(z, 0.0, 0.0), axis=1)
    return (
        ops.mean(log_qz_given_x - log_qz),
        ops.mean(log_qz - log_qz_marginals),
        ops.mean(log_qz_marginals - log_pz),
    )


@FRAMES.register("beta_tcvae")
class BetaTCVAE(VAE):
    """beta-TCVAE: `reconstruction + KL + (beta - 1) * TC` (Chen et al. 2018).

    The KL is decomposed into index-code mutual information, total correlation
    and dimension-wise KL, estimated on the minibatch (`kl_decomposition`); all
    three are logged. The default loss is disentanglement_lib's, which keeps the
    closed-form KL and adds `(beta - 1) * TC`; `decomposed=True` uses Chen et
    al.'s weighted objective, `alpha * MI + beta * TC + gamma * dimension-wise KL`.

    Args:
        beta: weight of the total correlation.
        dataset_size: number of training examples N (`kvae.training.train`
            fills it from the dataset).
        sampling: "mws" (minibatch-weighted) or "mss" (minibatch-stratified).
        decomposed: use the weighted decomposition in place of KL + (beta - 1) * TC.
        alpha, gamma: weights of the MI and of the dimension-wise KL when `decomposed`.
        (beta, alpha and gamma may be schedules, `kvae.schedules`.)
    """

    tracked_terms = ("mutual_information", "tc", "dimension_kl")
    dataset_arguments = {"dataset_size": len}

    def __init__(
        self,
        encoder,
        decoder,
        beta=1.0,
        dataset_size=None,
        sampling="mws",
        decomposed=False,
        alpha=1.0,
        gamma=1.0,
        **kwargs,
    ):
        super().__init__(encoder, decoder, **kwargs)
        owner = type(self).__name__
        if dataset_size is None:
            raise KvaeError(
                f"{owner} needs dataset_size, the number of training examples (kvae.training.train "
                f"fills it from len(data)); got None"
            )
        self.dataset_size = check_int(
            owner, "dataset_size (the number of training examples)", dataset_size, low=1
        )
        self.sampling = check_choice(owner, "sampling", sampling, SAMPLINGS)
        self.beta = self.hyperparameter("beta", beta, low=0)
        self.decomposed = check_bool(owner, "decomposed", decomposed)
        self.alpha = self.hyperparameter("alpha", alpha, low=0)
        self.gamma = self.hyperparameter("gamma", gamma, low=0)

    def regularizer(self, kl, z_mean, z_logvar, z_sampled):
        mi, tc, dimension_kl = kl_decomposition(z_sampled, z_mean, z_logvar, self.dataset_size, self.sampling)
        if self.decomposed:
            alpha, beta, gamma = (self.current(w) for w in (self.alpha, self.beta, self.gamma))
            regularizer = alpha * mi + beta * tc + gamma * dimension_kl
        else:
            regularizer = kl + (self.current(self.beta) - 1.0) * tc
        return {"regularizer": regularizer, "mutual_information": mi, "tc": tc, "dimension_kl": dimension_kl}

    def get_config(self):
        return {
            **super().get_config(),
            "beta": schedules.serialize(self.beta),
            "dataset_size": self.dataset_size,
            "sampling": self.sampling,
            "decomposed": self.decomposed,
            "alpha": schedules.serialize(self.alpha),
            "gamma": schedules.serialize(self.gamma),
        }
