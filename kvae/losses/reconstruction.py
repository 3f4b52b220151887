"""Pixel-wise reconstruction losses: -log p(x | decoder logits), one object per loss.

Every loss maps decoder logits to a reconstruction in data space
(`activation`, [0, 1] images) and gives a per-example value summed over
pixels and channels. Each also has a data-space form, `distance(x, x_hat)`,
that compares two images; it is the perceived distance of Michlo et al.
(eq. 7) and the term the augmented loss applies to blurred images.
"""

import math

import numpy as np
from keras import ops

from kvae.errors import KvaeError
from kvae.losses.registry import LOSSES

# torch.nn.functional.binary_cross_entropy clamps log(p) at -100.
_LOG_FLOOR = -100.0
_TINY = float(np.finfo(np.float32).tiny)


class ReconstructionLoss:
    """Base class: subclasses define `pixelwise_data` and may override
    `activation` and `pixelwise` (the loss computed from logits).

    `difference_only` marks losses that depend on `x - x_hat` alone (mse, l1),
    so a linear blur can be applied once to the difference. A loss registered in
    `kvae.losses.LOSSES` is built by its name (and is the base of augmented names);
    one with constructor arguments returns them from `get_config`, as a Keras object
    does, so a frame using it saves to `.keras` and loads back.

    Args:
        name: the loss's name; by default the name it is registered under in `LOSSES`.
    """

    difference_only = False

    def __init__(self, name=None):
        self.name = name or LOSSES.name_of(self) or type(self).__name__

    def activation(self, logits):
        """Decoder logits -> reconstruction in data space."""
        return ops.sigmoid(logits)

    def pixelwise(self, x, logits):
        """Per-pixel loss of targets x given decoder logits (same shape)."""
        return self.pixelwise_data(x, self.activation(logits))

    def pixelwise_data(self, x, x_hat):
        """Per-pixel loss of targets x given a reconstruction x_hat in data space."""
        raise NotImplementedError

    def __call__(self, x, logits):
        """Per-example loss [N]: `pixelwise` summed over all but the batch axis."""
        x, logits = _as_float32_pair(x, logits, "logits")
        return _sum_per_example(self.pixelwise(x, logits))

    def distance(self, x, x_hat):
        """Per-example loss [N] between two data-space images, L_rec(x, x_hat)."""
        x, x_hat = _as_float32_pair(x, x_hat, "x_hat")
        return _sum_per_example(self.pixelwise_data(x, x_hat))

    def get_config(self):
        """The constructor arguments, as a Keras object's."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


@LOSSES.register("mse")
class MeanSquaredError(ReconstructionLoss):
    """Squared error summed over pixels, on sigmoid(logits).

    The sigmoid follows disentanglement_lib's `l2_loss` (activation "logits").
    Note disent's `mse` instead uses the affine map (logits + 1) / 2.
    """

    difference_only = True

    def pixelwise_data(self, x, x_hat):
        return ops.square(x - x_hat)


@LOSSES.register("mse_linear")
class LinearMeanSquaredError(MeanSquaredError):
    """Squared error summed over pixels, on the decoder output itself (identity activation).

    disent's `mse` on normalised data (no output activation). Its reconstructions are not
    clipped to [0, 1]. Summed over pixels like every kvae loss: a beta given for a loss that
    is the mean over the P = H * W * C values (disent's `loss_reduction = 'mean'`, which also
    averages the KL over the D latents) is beta * P / D here.
    """

    def activation(self, logits):
        return logits


@LOSSES.register("l1")
class AbsoluteError(ReconstructionLoss):
    """Absolute error summed over pixels, on sigmoid(logits) (disent's `mae`)."""

    difference_only = True

    def pixelwise_data(self, x, x_hat):
        return ops.abs(x - x_hat)


@LOSSES.register("bce")
class BinaryCrossEntropy(ReconstructionLoss):
    """Binary cross-entropy of sigmoid(logits), log clamped at -100 as torch's BCE.

    This is the loss of a sigmoid decoder followed by
    `torch.nn.functional.binary_cross_entropy`, as in many PyTorch VAEs. It
    differs from `bernoulli` (same value for moderate logits) where the sigmoid
    rounds: 1 - sigmoid(l) loses precision for l > ~9 and rounds to 0 for
    l > ~17, where the loss saturates at 100 per pixel and its gradient is 0.
    Targets may be soft, in [0, 1].
    """

    def pixelwise_data(self, x, x_hat):
        return -(x * clamped_log(x_hat) + (1.0 - x) * clamped_log(1.0 - x_hat))


@LOSSES.register("bernoulli")
class Bernoulli(BinaryCrossEntropy):
    """Sigmoid cross-entropy on logits, disentanglement_lib's default loss.

    max(l, 0) - l x + log(1 + exp(-|l|)): exact for every logit, also for soft
    targets x in [0, 1] (then its minimum is the targets' entropy, not 0). The
    data-space form (blurred or perceived distances) is the clamped BCE of
    `bce`, since probabilities have no logits to be exact on.
    """

    def pixelwise(self, x, logits):
        return ops.relu(logits) - logits * x + ops.log1p(ops.exp(-ops.abs(logits)))


@LOSSES.register("continuous_bernoulli")
class ContinuousBernoulli(Bernoulli):
    """Continuous Bernoulli NLL (Loaiza-Ganem & Cunningham, 2019), on logits.

    -log p(x | l) = bernoulli(x, l) - log C(l), C(l) = 2 artanh(1 - 2p) / (1 - 2p)
    with p = sigmoid(l); see `continuous_bernoulli_log_normalizer`. The
    activation is sigmoid(l), the distribution's parameter, not its mean.
    """

    def pixelwise(self, x, logits):
        return super().pixelwise(x, logits) - continuous_bernoulli_log_normalizer(logits)

    def pixelwise_data(self, x, x_hat):
        logits = clamped_log(x_hat) - clamped_log(1.0 - x_hat)
        return super().pixelwise_data(x, x_hat) - continuous_bernoulli_log_normalizer(logits)


def continuous_bernoulli_log_normalizer(logits):
    """log C of the continuous Bernoulli (Loaiza-Ganem & Cunningham, 2019).

    With p = sigmoid(l), 1 - 2p = -tanh(l / 2) and artanh(1 - 2p) = -l / 2, so
    C = l / tanh(l / 2) = 2 u / tanh(u), u = l / 2. Near p = 1/2 (|l| < 0.5) the
    direct form cancels (0 / 0 at l = 0, and in its gradient), so we use
    log(u / tanh u) = u^2/3 - 7u^4/90 + 62u^6/2835 + O(u^8) (error < 1e-7 there).
    """
    a = ops.abs(logits)
    near_half = a < 0.5
    safe = ops.where(near_half, 1.0, a)
    direct = ops.log(safe) - ops.log(ops.tanh(safe / 2.0))
    u2 = ops.square(a / 2.0)
    taylor = math.log(2.0) + u2 * (1.0 / 3.0 + u2 * (-7.0 / 90.0 + u2 * (62.0 / 2835.0)))
    return ops.where(near_half, taylor, direct)


def clamped_log(p):
    """log(p) clamped below at -100, as torch's BCE; gradient 0 where clamped.

    Probabilities below float32's smallest normal number (or <= 0) give -100.
    """
    positive = p >= _TINY
    return ops.where(positive, ops.log(ops.where(positive, p, 1.0)), _LOG_FLOOR)


def _as_float32_pair(x, y, y_name):
    x = ops.cast(x, "float32")
    y = ops.cast(y, "float32")
    x_shape, y_shape = tuple(x.shape[1:]), tuple(y.shape[1:])
    if len(x_shape) != len(y_shape) or any(a != b for a, b in zip(x_shape, y_shape) if a and b):
        raise KvaeError(
            f"reconstruction loss: targets and {y_name} must have the same shape, "
            f"got {tuple(x.shape)} and {tuple(y.shape)}"
        )
    return x, y


def _sum_per_example(values):
    return ops.sum(values, axis=tuple(range(1, len(values.shape))))
