"""2D blur kernels for the augmented reconstruction loss (Michlo et al., section 6).

Kernels are NumPy float32 arrays of shape (2r+1, 2r+1), applied to every
channel alike. They are built once, on the host, and turned into an FFT by
`FFTConvolution`.
"""

import numpy as np


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
    sigma = radius / 4.0 if sigma is None else float(sigma)
    if not sigma > 0:
        raise ValueError(
            f"gaussian_kernel: sigma must be > 0, got {sigma} (radius {radius}; "
            "radius 0 needs an explicit sigma)"
        )
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    profile = np.exp(-np.square(offsets) / (2.0 * sigma**2))
    return _finish(np.outer(profile, profile), normalize)


def _check_radius(radius):
    if isinstance(radius, bool) or int(radius) != radius or radius < 0:
        raise ValueError(f"kernel radius must be an integer >= 0, got {radius!r}")
    return int(radius)


def _finish(kernel, normalize):
    if normalize:
        kernel = kernel / kernel.sum()
    return kernel.astype(np.float32)
