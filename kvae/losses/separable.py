"""Channel-wise 2D convolution with a separable (rank-1) kernel, as two small matmuls."""

import numpy as np
import tensorflow as tf

from kvae.errors import KvaeError
from kvae.losses.fft import as_images


def separate(kernel, rtol=1e-6):
    """Returns `(column, row)` with `kernel == outer(column, row)`, or None when the kernel is not rank 1.

    Box and Gaussian kernels are separable: K = u v^T (from the SVD).
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    u, s, vt = np.linalg.svd(kernel)
    column, row = u[:, 0] * np.sqrt(s[0]), vt[0] * np.sqrt(s[0])
    if np.linalg.norm(kernel - np.outer(column, row)) > rtol * max(np.linalg.norm(kernel), 1e-30):
        return None
    return column, row


def convolution_matrix(taps, size):
    """The [size, size] matrix M with (M @ x) == np.convolve(x, taps, mode="same") for odd-length taps."""
    radius = len(taps) // 2
    offsets = np.arange(size)[:, None] - np.arange(size)[None, :] + radius  # i - m + r
    inside = (offsets >= 0) & (offsets < len(taps))
    return np.where(inside, np.asarray(taps)[np.clip(offsets, 0, len(taps) - 1)], 0.0)


class SeparableConvolution:
    """'same' convolution of HxW images with a rank-1 kernel K = u v^T, zero padded.

    Equal to `scipy.signal.convolve2d(channel, kernel, mode="same")` on every
    channel, computed as `R @ X @ C^T` with the banded Toeplitz matrices R (of u,
    HxH) and C (of v, WxW) built once. For a 63x63 box on 64x64 images this is
    ~0.5M multiply-adds per channel, a few times cheaper than the FFT and exact
    to float32 rounding.

    Args:
        kernel: 2D rank-1 array with odd sides.
        image_hw: (height, width) of the images it will convolve.
    """

    def __init__(self, kernel, image_hw):
        factors = separate(kernel)
        if factors is None:
            raise KvaeError(f"SeparableConvolution: the kernel of shape {np.shape(kernel)} is not rank 1")
        self.image_hw = tuple(int(n) for n in image_hw)
        column, row = factors
        self.rows = convolution_matrix(column, self.image_hw[0]).astype(np.float32)
        self.columns = convolution_matrix(row, self.image_hw[1]).astype(np.float32)

    def __call__(self, images):
        """Convolves images of shape [..., H, W, C]; returns float32 of the same shape."""
        images = as_images(images, self.image_hw, "SeparableConvolution")
        return tf.einsum("ih,...hwc,jw->...ijc", self.rows, images, self.columns)
