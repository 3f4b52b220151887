"""Latent traversals a researcher can read: rows labelled and sorted by KL, dead latents set apart,
ranges from the aggregate posterior, several base images, and animated GIFs.

A traversal sweeps one latent of a base image's posterior mean over
m_d +- `width` s_d, where m_d and s_d^2 are the mean and variance of the
aggregate posterior q(z_d) = E_x[N(mu_d(x), sigma_d^2(x))] on a reference
batch (disent's "fitted gaussian" cycles do the same), the other latents
staying at the base image's code.
"""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from kvae.io import write_atomic  # noqa: E402
from kvae.viz import grids  # noqa: E402

__all__ = [
    "DEAD_KL",
    "latent_summary",
    "traversal_images",
    "traversal_figure",
    "traversal_gif",
    "combined_gif",
]

DEAD_KL = 0.01  # nats: a latent whose mean KL to the prior is below this carries (almost) no information


def latent_summary(model, reference, width=2.0, dead_kl=DEAD_KL):
    """Per-latent statistics of `model` on the images `reference`.

    Returns:
        {"kl": [D] batch-mean KL(q(z_d|x) || N(0, 1)), "low", "high": [D] the traversal range
        m_d -+ width * s_d of the aggregate posterior, "order": latents by decreasing KL,
        "dead": [D] bools (KL < dead_kl)}.
    """
    mean, logvar = (np.asarray(t, np.float64) for t in model.encode(np.asarray(reference, np.float32)))
    kl = (0.5 * (mean**2 + np.exp(logvar) - logvar - 1.0)).mean(axis=0)
    centre = mean.mean(axis=0)
    spread = np.sqrt(np.exp(logvar).mean(axis=0) + mean.var(axis=0))
    return {
        "kl": kl,
        "low": centre - width * spread,
        "high": centre + width * spread,
        "order": np.argsort(-kl, kind="stable"),
        "dead": kl < dead_kl,
    }


def traversal_images(model, x, summary, num_steps=9, latents=None, positions=None):
    """Decoded traversals float32 [B, L, S, H, W, C] of base images `x` [B, H, W, C].

    Args:
        summary: `latent_summary` output (the ranges).
        num_steps: S values evenly spaced over each range.
        latents: the latents to sweep, in order (default: all, by decreasing KL).
        positions: instead of `num_steps`, the S positions in [0, 1] of the values in each range.
    """
    latents = summary["order"] if latents is None else np.asarray(latents)
    positions = np.linspace(0.0, 1.0, num_steps) if positions is None else np.asarray(positions, np.float64)
    base, _ = model.encode(np.asarray(x, np.float32))
    base = np.asarray(base, np.float32)
    low, high = summary["low"][latents], summary["high"][latents]
    values = low[:, None] + positions[None] * (high - low)[:, None]  # [L, S]
    z = np.repeat(base[:, None, None], len(latents) * len(positions), axis=1).reshape(
        len(base), len(latents), len(positions), -1
    )
    for row, d in enumerate(latents):
        z[:, row, :, d] = values[row]
    decoded = np.asarray(
        model.reconstruction_loss.activation(model.decode(z.reshape(-1, z.shape[-1]))), np.float32
    )
    return decoded.reshape(z.shape[:3] + decoded.shape[1:])


def _rows(summary, dead_kl_shown):
    """The latents shown (active ones by decreasing KL; all, greyed, when none is active) and a note on the
    rest."""
    order = summary["order"]
    active = [d for d in order if not summary["dead"][d]]
    dead = [d for d in order if summary["dead"][d]]
    if not active:
        return list(order), True, f"no latent has KL >= {dead_kl_shown:g} nats: all shown greyed"
    note = (
        f"not shown, KL < {dead_kl_shown:g} nats (inactive): {', '.join(f'z{d}' for d in sorted(dead))}"
        if dead
        else ""
    )
    return active, False, note


def _row_label(d, summary):
    return f"z{d}  KL {summary['kl'][d]:.3g}\n[{summary['low'][d]:.2g}, {summary['high'][d]:.2g}]"


def traversal_figure(model, x, reference=None, num_steps=9, width=2.0, dead_kl=DEAD_KL, title=None):
    """A matplotlib Figure: one block per base image of `x`, one row per informative latent.

    Rows are sorted by KL and labelled with the latent index, its KL (nats) and its range;
    latents with KL below `dead_kl` are left out and named under the figure. The first column
    of each block is the base image.

    Args:
        model: a kvae frame.
        x: base images [B, H, W, C].
        reference: images whose aggregate posterior sets the ranges and KLs (default `x`).
        num_steps: values per traversal.
        width: the range is the aggregate mean -+ `width` standard deviations.
        dead_kl: KL threshold (nats) under which a latent counts as inactive.
        title: the figure's title.
    """
    x = np.asarray(x, np.float32)
    summary = latent_summary(model, x if reference is None else reference, width, dead_kl)
    latents, greyed, note = _rows(summary, dead_kl)
    images = traversal_images(model, x, summary, num_steps, latents)  # [B, L, S, H, W, C]
    if greyed:
        images = 0.35 + 0.3 * images.mean(axis=-1, keepdims=True)
    blank = np.ones_like(images[:, :, :1])
    blank[:, 0, 0] = x if x.shape[-1] == images.shape[-1] else x.mean(axis=-1, keepdims=True)
    blocks = np.concatenate([blank, images], axis=2)  # the base image in the first column
    h, w = x.shape[1:3]
    cell = 0.55
    fig, axes = plt.subplots(
        1, len(x), figsize=(cell * (num_steps + 1) * len(x) + 1.6, cell * len(latents) + 1.4), squeeze=False
    )
    for b, ax in enumerate(axes[0]):
        ax.imshow(grids.image_grid(blocks[b]), interpolation="nearest")
        ax.set_yticks([1 + (h + 1) * (r + 0.5) for r in range(len(latents))])
        ax.set_yticklabels([_row_label(d, summary) for d in latents] if b == 0 else [], fontsize=7)
        middle = num_steps // 2 + 1
        ax.set_xticks([1 + (w + 1) * (c + 0.5) for c in (0, 1, middle, num_steps)])
        ax.set_xticklabels(["base", f"m-{width:g}σ", "m", f"m+{width:g}σ"], fontsize=7)
        ax.tick_params(length=0)
        ax.set_title(f"base image {b + 1}", fontsize=8)
    fig.suptitle(
        title
        or f"latent traversals, rows by KL (nats); each latent swept over m ± {width:g}σ "
        "of the aggregate posterior",
        fontsize=8,
    )
    if note:
        fig.text(0.5, 0.01, note, ha="center", fontsize=7)
    fig.tight_layout(rect=(0, 0.04 if note else 0, 1, 1))
    return fig


def _frame_values(num_frames):
    """Positions in [0, 1] of a cycle low -> high -> low, `num_frames` frames, none repeated in a row."""
    half = num_frames // 2 + 1
    up = np.linspace(0.0, 1.0, half)
    return np.concatenate([up, up[-2:0:-1]])[:num_frames]


def _frames(model, x, summary, latents, num_frames):
    """float32 [F, B, L, H, W, C]: the traversal of each latent at each frame, and the F positions."""
    positions = _frame_values(num_frames)
    return np.moveaxis(
        traversal_images(model, x, summary, latents=latents, positions=positions), 2, 0
    ), positions


def _with_position_bar(grid, position, height=4):
    """Appends a bar under a uint8 frame that marks the traversal position in [0, 1]."""
    bar = np.full((height, grid.shape[1], 3), 255, np.uint8)
    bar[1:-1, : max(1, int(round(position * (grid.shape[1] - 1))) + 1)] = (70, 110, 200)
    return np.concatenate([grid, bar], axis=0)


def _save_gif(path, frames, duration_ms):
    buffer = io.BytesIO()
    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(
        buffer, format="GIF", save_all=True, append_images=images[1:], duration=duration_ms, loop=0
    )
    write_atomic(path, buffer.getvalue(), mode="wb")


def traversal_gif(model, x, summary, latent, path, num_frames=16, scale=2, duration_ms=120):
    """Writes an animated GIF of one latent swept low -> high -> low, the base images `x` side by side.

    Each frame carries the latent's label and a bar marking the current value in its range.
    """
    frames, positions = _frames(model, np.asarray(x, np.float32), summary, [latent], num_frames)
    label = f"z{latent}  KL {summary['kl'][latent]:.3g} nats"
    out = []
    for frame, position in zip(frames, positions):
        grid = grids.upscale(grids.image_grid(frame[:, 0]), scale)
        value = summary["low"][latent] + position * (summary["high"][latent] - summary["low"][latent])
        out.append(
            _with_position_bar(
                grids.label_rows(grid, [f"{label}\nz = {value:+.2f}"], 1, margin=110), position
            )
        )
    _save_gif(path, out, duration_ms)
    return len(out)


def combined_gif(model, x, summary, path, latents=None, num_frames=16, scale=2, duration_ms=120):
    """Writes one animated GIF of every latent at once: a row per latent (labelled), a column per base
    image."""
    latents = [d for d in summary["order"] if not summary["dead"][d]] if latents is None else list(latents)
    latents = latents or list(summary["order"])
    frames, positions = _frames(model, np.asarray(x, np.float32), summary, latents, num_frames)
    labels = [f"z{d}  KL {summary['kl'][d]:.3g}" for d in latents]
    out = []
    for frame, position in zip(frames, positions):
        grid = grids.upscale(grids.image_grid(np.swapaxes(frame, 0, 1)), scale)
        out.append(_with_position_bar(grids.label_rows(grid, labels, len(latents), margin=100), position))
    _save_gif(path, out, duration_ms)
    return len(out)
