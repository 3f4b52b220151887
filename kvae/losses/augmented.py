"""The augmented reconstruction loss of Michlo et al. (2023), section 6, eq. 11."""

import keras
import numpy as np

from kvae.data.arguments import check_choice, check_float
from kvae.errors import KvaeError
from kvae.losses.convolution import METHODS, make_convolution
from kvae.losses.reconstruction import BinaryCrossEntropy, ReconstructionLoss
from kvae.losses.registry import LOSSES

__all__ = ["AugmentedLoss"]


# Not in LOSSES (a name alone does not build it: it needs a kernel, or a parsed augmented name).
@keras.saving.register_keras_serializable(package="kvae")
class AugmentedLoss(ReconstructionLoss):
    """L(x, x^) = loss_weight * L_base(x, x^) + alpha * L_base(K * x, K * x^).

    Michlo et al. (2023), eq. 11: a pixel-wise loss plus the same loss between
    channel-wise blurred images, which makes elements that are close in space
    close in loss ("overlap"). The paper uses a box blur of radius 31 (63x63,
    normalised to sum 1) and alpha = 63^2 = 3969: `mse_box_r31_l1.0_k3969.0`.

    The first term is the base loss on logits; the blurred term compares
    K * x with K * activation(logits) through the base loss's data-space form
    (`pixelwise_data`): squared / absolute error of blurred images for mse / l1,
    clamped BCE of blurred probabilities for bernoulli and bce (bernoulli's
    exact logit form has no blurred counterpart), and the continuous Bernoulli
    NLL of blurred probabilities for continuous_bernoulli. Bernoulli-family
    bases therefore need a nonnegative kernel that sums to 1, so that blurred
    probabilities stay in [0, 1].

    The convolution ('same', zero padded) is built once per image size (H, W)
    on first use and kept by the loss; no variables are created. Rank-1 kernels (box,
    Gaussian) use `SeparableConvolution` (two small matmuls), others the
    `FFTConvolution` (see `make_convolution`). For mse and l1, which depend on
    x - x^ only, the blur is applied once, to the difference: K*x - K*x^ = K*(x - x^).

    Args:
        base: a base loss or its name ("mse", "bernoulli", ...).
        kernel: 2D array with odd sides (see `box_kernel`, `gaussian_kernel`).
        loss_weight: weight of the pixel-wise term.
        alpha: weight of the blurred term.
        name: the loss's name; `kvae.losses.get` passes the string it parsed.
        method: how to convolve: "auto", "fft" or "separable" (`make_convolution`).
    """

    def __init__(self, base, kernel, loss_weight=1.0, alpha=1.0, name=None, method="auto"):
        if isinstance(base, str):
            if base not in LOSSES:
                raise KvaeError(
                    f"AugmentedLoss: unknown base loss {base!r}, expected one of {', '.join(LOSSES)}"
                )
            base = LOSSES.get(base)()
        if not isinstance(base, ReconstructionLoss) or isinstance(base, AugmentedLoss):
            raise KvaeError(f"AugmentedLoss: base must be a pixel-wise reconstruction loss, got {base!r}")
        kernel = np.asarray(kernel, dtype=np.float32)
        if (
            kernel.ndim != 2
            or kernel.shape[0] % 2 == 0
            or kernel.shape[1] % 2 == 0
            or not np.all(np.isfinite(kernel))
        ):
            raise KvaeError(
                f"AugmentedLoss: kernel must be a finite 2D array with odd sides, got shape {kernel.shape}"
            )
        if isinstance(base, BinaryCrossEntropy) and (
            kernel.min() < 0 or not np.isclose(kernel.sum(), 1.0, atol=1e-4)
        ):
            raise KvaeError(
                f"AugmentedLoss: a {base.name} base compares blurred probabilities and needs a nonnegative "
                f"kernel that sums to 1, got sum {kernel.sum():g} and min {kernel.min():g} (use _norm_sum)"
            )
        super().__init__(name or f"{base.name}_augmented")
        self.base = base
        self.kernel = kernel
        self.loss_weight = check_float("AugmentedLoss", "loss_weight", loss_weight, low=0)
        self.alpha = check_float("AugmentedLoss", "alpha", alpha, low=0)
        self.method = check_choice("AugmentedLoss", "method", method, METHODS)
        self._convolutions = {}

    def activation(self, logits):
        return self.base.activation(logits)

    def pixelwise(self, x, logits):
        blurred = self.blurred_pixelwise(x, self.activation(logits))
        return self.loss_weight * self.base.pixelwise(x, logits) + self.alpha * blurred

    def pixelwise_data(self, x, x_hat):
        return self.loss_weight * self.base.pixelwise_data(x, x_hat) + self.alpha * self.blurred_pixelwise(
            x, x_hat
        )

    def blurred_pixelwise(self, x, x_hat):
        """The base loss between K*x and K*x^, per pixel."""
        if self.base.difference_only:
            return self.base.pixelwise_data(self.blur(x - x_hat), 0.0)
        return self.base.pixelwise_data(self.blur(x), self.blur(x_hat))

    def blur(self, images):
        """K * images for images [..., H, W, C], with the cached convolution for (H, W)."""
        hw = tuple(images.shape[-3:-1])
        if None in hw:
            raise KvaeError(
                f"{self.name}: the blur needs a static image height and width, got shape {images.shape}"
            )
        if hw not in self._convolutions:
            self._convolutions[hw] = make_convolution(self.kernel, hw, self.method)
        return self._convolutions[hw](images)

    def get_config(self):
        return {
            "base": keras.saving.serialize_keras_object(self.base),
            "kernel": self.kernel.tolist(),
            "loss_weight": self.loss_weight,
            "alpha": self.alpha,
            "name": self.name,
            "method": self.method,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**{**config, "base": keras.saving.deserialize_keras_object(config["base"])})

    def __repr__(self):
        return (
            f"AugmentedLoss(name={self.name!r}, base={self.base.name!r}, kernel_shape={self.kernel.shape}, "
            f"loss_weight={self.loss_weight}, alpha={self.alpha})"
        )
