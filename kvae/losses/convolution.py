"""Choosing how to convolve images with a fixed blur kernel."""

from kvae.errors import KvaeError
from kvae.losses.fft import FFTConvolution
from kvae.losses.separable import SeparableConvolution, separate

__all__ = ["METHODS", "make_convolution"]

METHODS = ("auto", "fft", "separable")


def make_convolution(kernel, image_hw, method="auto"):
    """A 'same', zero-padded, channel-wise convolution with `kernel` for HxW images.

    Args:
        kernel: 2D array with odd sides.
        image_hw: (height, width) of the images.
        method: "fft" (any kernel; its transform computed once), "separable"
            (rank-1 kernels such as box and Gaussian: two small matmuls, several
            times faster on CPU), or "auto" (separable when the kernel is rank 1).
    """
    if method not in METHODS:
        raise KvaeError(f"unknown convolution method {method!r}; expected one of {', '.join(METHODS)}")
    if method == "separable" or (method == "auto" and separate(kernel) is not None):
        return SeparableConvolution(kernel, image_hw)
    return FFTConvolution(kernel, image_hw)
