"""Choosing how to convolve images with a fixed blur kernel, and a cached `blur`."""

import functools

import numpy as np

from kvae.losses.fft import FFTConvolution
from kvae.losses.separable import SeparableConvolution, separate
from kvae.errors import KvaeError

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


def blur(images, kernel, method="auto"):
    """Convolves every channel of images [..., H, W, C] with a 2D kernel ('same', zero padded).

    The convolution for a (kernel, H, W, method) is cached, so repeated calls
    reuse it. Returns a float32 tensor.
    """
    hw = tuple(images.shape[-3:-1])
    kernel = np.ascontiguousarray(kernel, dtype=np.float32)
    return _convolution(kernel.tobytes(), kernel.shape, hw, method)(images)


@functools.lru_cache(maxsize=32)
def _convolution(kernel_bytes, kernel_shape, image_hw, method):
    kernel = np.frombuffer(kernel_bytes, dtype=np.float32).reshape(kernel_shape)
    return make_convolution(kernel, image_hw, method)
