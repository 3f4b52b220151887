"""Reconstruction losses, blur kernels, FFT and separable convolution, Gaussian divergences.

    from kvae import losses
    loss = losses.get("mse_box_r31_l1.0_k3969.0")
    per_example = loss(x, logits)          # [N]
    x_hat = loss.activation(logits)        # [0, 1] images

A loss of your own registers itself and is then built by name (and saved with a frame):

    @losses.LOSSES.register("huber")
    class Huber(losses.ReconstructionLoss):
        '''Huber loss summed over pixels, on sigmoid(logits).'''
        def pixelwise_data(self, x, x_hat): ...
"""

from kvae.losses.augmented import AugmentedLoss
from kvae.losses.convolution import make_convolution
from kvae.losses.divergences import gaussian_kl, gaussian_log_density
from kvae.losses.fft import FFTConvolution
from kvae.losses.keras_loss import KerasLoss
from kvae.losses.kernels import box_kernel, gaussian_kernel
from kvae.losses.reconstruction import (
    AbsoluteError,
    Bernoulli,
    BinaryCrossEntropy,
    ContinuousBernoulli,
    LinearMeanSquaredError,
    MeanSquaredError,
    ReconstructionLoss,
    continuous_bernoulli_log_normalizer,
)
from kvae.losses.registry import LOSSES
from kvae.losses.separable import SeparableConvolution
from kvae.losses.serialization import AUGMENTED_PATTERN, get, known_names, serialize

__all__ = [
    "AUGMENTED_PATTERN",
    "LOSSES",
    "AbsoluteError",
    "AugmentedLoss",
    "Bernoulli",
    "BinaryCrossEntropy",
    "ContinuousBernoulli",
    "FFTConvolution",
    "KerasLoss",
    "LinearMeanSquaredError",
    "MeanSquaredError",
    "ReconstructionLoss",
    "SeparableConvolution",
    "box_kernel",
    "continuous_bernoulli_log_normalizer",
    "gaussian_kernel",
    "gaussian_kl",
    "gaussian_log_density",
    "get",
    "known_names",
    "make_convolution",
    "serialize",
]
