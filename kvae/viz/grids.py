"""Image grids of reconstructions, latent traversals and samples, with row labels drawn in."""

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from kvae.io import write_atomic


def image_grid(images, padding=1):
    """Tiles images [rows, cols, H, W, C] (or [N, H, W, C] as one row) into one uint8 RGB image."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4:
        images = images[None]
    if images.ndim != 5:
        raise ValueError(
            f"image_grid expects [rows, cols, H, W, C] or [N, H, W, C], got shape {images.shape}"
        )
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


def upscale(grid, factor):
    """A uint8 image enlarged `factor` times by repeating pixels (small images stay sharp)."""
    return np.repeat(np.repeat(grid, factor, axis=0), factor, axis=1) if factor > 1 else grid


def label_rows(grid, labels, rows, margin=100):
    """`grid` (uint8 [H, W, 3] of `rows` equal rows) with a white left margin holding one label per row.

    Labels may span lines ("z3  KL 2.1\\n[-1.2, 2.0]"); each is centred on its row. The margin is
    `margin` pixels, or wider when a label needs it.
    """
    font = ImageFont.load_default()
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    widest = max(
        (measure.multiline_textbbox((0, 0), label, font=font, spacing=2)[2] for label in labels), default=0
    )
    margin = max(margin, widest + 8)
    height = grid.shape[0] / rows
    canvas = Image.new("RGB", (margin, grid.shape[0]), "white")
    draw = ImageDraw.Draw(canvas)
    for r, label in enumerate(labels):
        draw.multiline_text((4, height * (r + 0.5)), label, fill=(0, 0, 0), font=font, anchor="lm", spacing=2)
    return np.concatenate([np.asarray(canvas), grid], axis=1)


def labelled_reconstructions(model, x, scale=2):
    """`reconstruction_grid` enlarged `scale` times, its rows labelled "input" and "reconstruction"."""
    return label_rows(
        upscale(reconstruction_grid(model, x), scale), ["input", "reconstruction\n(posterior mean)"], 2
    )


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
