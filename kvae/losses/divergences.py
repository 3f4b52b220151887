"""Closed-form divergences and densities of diagonal Gaussian posteriors."""

import math

from keras import ops


def gaussian_kl(mean, logvar):
    """KL(N(mean, exp(logvar)) || N(0, 1)) per latent dimension, shape of `mean` ([N, D]).

    0.5 * (mean^2 + exp(logvar) - logvar - 1): Kingma & Welling (2014), appendix B.
    """
    return 0.5 * (ops.square(mean) + ops.exp(logvar) - logvar - 1.0)


def gaussian_log_density(z, mean, logvar):
    """Elementwise log N(z; mean, exp(logvar)); the arguments broadcast.

    beta-TCVAE's minibatch estimates (Chen et al., 2018) call it with
    z[:, None, :] against mean[None, :, :] to get all [N, N, D] pairs.
    """
    return -0.5 * (math.log(2.0 * math.pi) + logvar + ops.square(z - mean) * ops.exp(-logvar))
