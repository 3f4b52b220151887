"""Channel-wise 2D convolution computed with the FFT (Michlo et al., section 6.1).

A 63x63 box blur of a 64x64 image costs ~16M multiply-adds per channel as a
direct convolution; through the FFT it is two transforms and one product.
"""

import numpy as np
import scipy.fft
import tensorflow as tf
from keras import ops

from kvae.errors import KvaeError


class FFTConvolution:
    """'same' convolution of HxW images with a fixed kernel, zero padded, by FFT.

    Equal to `scipy.signal.convolve2d(channel, kernel, mode="same")` applied to
    every channel. The kernel's transform is computed once, here, in float64.

    The kernel is stored with its centre at (0, 0) (wrapped around), so the
    result is the top-left HxW block of the circular convolution, free of
    wrap-around once the transform has `H + r` points (kernel offsets beyond
    `H - 1` reach no pixel and are dropped first). That is 96 (a fast size
    >= 64 + 31) instead of the 128 >= 64 + 2 * 31 of the full convolution
    (about 1.5x faster; both are ~1000x faster than XLA's direct 63x63 conv on CPU).

    Args:
        kernel: 2D array with odd sides.
        image_hw: (height, width) of the images it will convolve.
    """

    def __init__(self, kernel, image_hw):
        kernel = np.asarray(kernel, dtype=np.float64)
        if kernel.ndim != 2 or kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0:
            raise KvaeError(f"FFTConvolution: kernel must be 2D with odd sides, got shape {kernel.shape}")
        self.kernel = kernel.astype(np.float32)
        self.image_hw = tuple(int(n) for n in image_hw)
        radii = [min(k // 2, n - 1) for k, n in zip(kernel.shape, self.image_hw)]
        # Crop to the offsets that can reach a pixel: |offset| <= n - 1.
        kernel = kernel[tuple(slice(k // 2 - r, k // 2 + r + 1) for k, r in zip(kernel.shape, radii))]
        self.fft_shape = tuple(
            scipy.fft.next_fast_len(n + r, real=True) for n, r in zip(self.image_hw, radii)
        )
        padded = np.zeros(self.fft_shape)
        padded[: kernel.shape[0], : kernel.shape[1]] = kernel
        padded = np.roll(padded, (-radii[0], -radii[1]), axis=(0, 1))
        self.kernel_fft = np.fft.rfft2(padded).astype(np.complex64)

    def __call__(self, images):
        """Blurs images of shape [..., H, W, C]; returns float32 of the same shape."""
        images = as_images(images, self.image_hw, "FFTConvolution")
        planes = ops.moveaxis(images, -1, -3)  # [..., C, H, W]: rfft2d works on the last two axes
        spectrum = tf.signal.rfft2d(planes, fft_length=self.fft_shape)  # zero pads to fft_shape
        planes = tf.signal.irfft2d(spectrum * self.kernel_fft, fft_length=self.fft_shape)
        height, width = self.image_hw
        return ops.moveaxis(planes[..., :height, :width], -3, -1)


def as_images(images, image_hw, convolution):
    """`images` as float32 [..., H, W, C]; an error naming `convolution` when H, W differ from `image_hw`."""
    images = ops.convert_to_tensor(images, dtype="float32")
    if tuple(images.shape[-3:-1]) != tuple(image_hw):
        raise KvaeError(
            f"{convolution} built for {image_hw[0]}x{image_hw[1]} images, got images of shape "
            f"{tuple(images.shape)}"
        )
    return images
