"""Image grids of reconstructions, latent traversals and samples."""

import io

import numpy as np
from PIL import Image

from kvae.io import write_atomic


def image_grid(images, padding=1):
    """Tiles images [rows, cols, H, W, C] (or [N, H, W, C] as one row) into one uint8 RGB image."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4:
        images = images[None]
    if images.ndim != 5:
        raise ValueError(f"image_grid expects [rows, cols, H, W, C] or [N, H, W, C], got shape {images.shape}")
    rows, cols, h, w, c = images.shape
    if c == 1:
        images = np.repeat(images, 3, axis=-1)
    grid = np.ones((rows * (h + padding) + padding, cols * (w + padding) + padding, 3), np.float32)
    for r in range(rows):
        for col in range(cols):
            top, left = padding + r * (h + padding), padding + col * (w + padding)
            grid[top : top + h, left : left + w] = images[r, col, ..., :3]
    return (np.clip(grid, 0.0, 1.0) * 255).round().astype(np.uint8)


def reconstruction_grid(model, x):
    """Inputs (top row) above their reconstructions from the posterior mean (bottom row)."""
    x = np.asarray(x, np.float32)
    return image_grid(np.stack([x, np.asarray(model.reconstruct(x))]))


def traversal_grid(model, x, num_steps=9, limit=2.0):
    """One row per latent: the code of `x[0]` with that latent swept over [-limit, limit]."""
    z_mean, _ = model.encode(np.asarray(x[:1], np.float32))
    z = np.repeat(np.asarray(z_mean), model.latent_dim * num_steps, axis=0)
    values = np.linspace(-limit, limit, num_steps, dtype=np.float32)
    for i in range(model.latent_dim):
        z[i * num_steps : (i + 1) * num_steps, i] = values
    images = np.asarray(model.reconstruction_loss.activation(model.decode(z)))
    return image_grid(images.reshape((model.latent_dim, num_steps) + images.shape[1:]))


def sample_grid(model, rows=4, cols=8):
    """Images decoded from prior samples."""
    images = np.asarray(model.sample(rows * cols))
    return image_grid(images.reshape((rows, cols) + images.shape[1:]))


def save_png(path, grid):
    """Writes a uint8 grid to `path` as PNG, atomically."""
    buffer = io.BytesIO()
    Image.fromarray(grid).save(buffer, format="PNG")
    write_atomic(path, buffer.getvalue(), mode="wb")
