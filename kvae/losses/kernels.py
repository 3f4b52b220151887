"""2D blur kernels for the augmented reconstruction loss (Michlo et al., section 6).

Kernels are NumPy float32 arrays of shape (2r+1, 2r+1), applied to every
channel alike. They are built once, on the host, and turned into an FFT by
`FFTConvolution`.
"""

import numpy as np

from kvae.data.arguments import check_float, check_int


def box_kernel(radius, normalize=True):
    """Box kernel of side 2 * radius + 1: ones, divided by their count when `normalize`.

    Michlo et al. use radius 31 (a 63x63 kernel) normalised to sum 1.
    """
    size = 2 * _check_radius(radius) + 1
    kernel = np.ones((size, size), dtype=np.float64)
    return _finish(kernel, normalize)


def gaussian_kernel(radius, sigma=None, normalize=True):
    """Isotropic Gaussian kernel exp(-d^2 / (2 sigma^2)) of side 2 * radius + 1.

    Args:
        radius: half side; the kernel is truncated at `radius` pixels.
        sigma: standard deviation in pixels; defaults to radius / 4, as disent's
            `gau_r{radius}` kernel (sigma = r / 4, truncated at 4 sigma).
        normalize: divide by the sum so the kernel sums to 1; otherwise the
            raw kernel, whose peak is 1.
    """
    radius = _check_radius(radius)
    name = (
        "sigma" if sigma is not None else f"sigma (default radius / 4 = {radius / 4:g}; radius 0 needs one)"
    )
    sigma = check_float(
        "gaussian_kernel", name, radius / 4.0 if sigma is None else sigma, low=0, low_open=True
    )
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    profile = np.exp(-np.square(offsets) / (2.0 * sigma**2))
    return _finish(np.outer(profile, profile), normalize)


def _check_radius(radius):
    return check_int("kernel", "radius", radius, low=0)


def _finish(kernel, normalize):
    if normalize:
        kernel = kernel / kernel.sum()
    return kernel.astype(np.float32)
