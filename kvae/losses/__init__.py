"""Reconstruction losses, blur kernels, FFT and separable convolution, Gaussian divergences.

    from kvae import losses
    loss = losses.get("mse_box_r31_l1.0_k3969.0")
    per_example = loss(x, logits)          # [N]
    x_hat = loss.activation(logits)        # [0, 1] images
"""

from kvae.losses.augmented import AugmentedLoss
from kvae.losses.divergences import gaussian_kl
from kvae.losses.divergences import gaussian_log_density
from kvae.losses.convolution import blur
from kvae.losses.convolution import make_convolution
from kvae.losses.fft import FFTConvolution
from kvae.losses.separable import SeparableConvolution
from kvae.losses.kernels import box_kernel
from kvae.losses.kernels import gaussian_kernel
from kvae.losses.reconstruction import AbsoluteError
from kvae.losses.reconstruction import Bernoulli
from kvae.losses.reconstruction import BinaryCrossEntropy
from kvae.losses.reconstruction import ContinuousBernoulli
from kvae.losses.reconstruction import MeanSquaredError
from kvae.losses.reconstruction import ReconstructionLoss
from kvae.losses.reconstruction import continuous_bernoulli_log_normalizer
from kvae.losses.registry import get
from kvae.losses.registry import known_names
