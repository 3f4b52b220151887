"""Figures of one trained model: the KL of each latent, the training curves from TensorBoard, and
matplotlib figures as image arrays (for TensorBoard)."""

import glob
import io
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

__all__ = ["figure_array", "kl_figure", "read_scalars", "training_curves_figure"]


def figure_array(fig, dpi=100):
    """A matplotlib figure as a uint8 RGB array [H, W, 3]; closes the figure."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return np.asarray(Image.open(buffer).convert("RGB"))


def kl_figure(kl, dead_kl, title):
    """A bar chart of the batch-mean KL of each latent (nats), latents below `dead_kl` in grey."""
    kl = np.asarray(kl, np.float64)
    fig, ax = plt.subplots(figsize=(max(4.0, 0.45 * len(kl) + 1.5), 3.2))
    colours = ["tab:grey" if value < dead_kl else "tab:blue" for value in kl]
    ax.bar(np.arange(len(kl)), kl, color=colours)
    for d, value in enumerate(kl):
        ax.annotate(
            f"{value:.2g}", (d, value), textcoords="offset points", xytext=(0, 2), ha="center", fontsize=6
        )
    ax.axhline(
        dead_kl, color="black", linestyle="--", linewidth=0.8, label=f"inactive below {dead_kl:g} nats"
    )
    ax.set_xticks(np.arange(len(kl)), [f"z{d}" for d in range(len(kl))], fontsize=7)
    ax.set_xlabel("latent", fontsize=8)
    ax.set_ylabel("KL(q(z_d|x) || N(0, 1)) (nats)", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def read_scalars(log_dir):
    """{tag: (steps [N], values [N])} of the scalar summaries in `log_dir` (sorted by step; the last write of
    a step wins)."""
    import tensorflow as tf

    found = {}
    for path in sorted(glob.glob(os.path.join(log_dir, "events.out.tfevents.*"))):
        try:
            for record in tf.data.TFRecordDataset(path):
                event = tf.compat.v1.Event.FromString(record.numpy())
                for value in event.summary.value:
                    if value.HasField("tensor") and value.metadata.plugin_data.plugin_name == "scalars":
                        found.setdefault(value.tag, {})[event.step] = float(tf.make_ndarray(value.tensor))
                    elif value.HasField("simple_value"):
                        found.setdefault(value.tag, {})[event.step] = float(value.simple_value)
        except tf.errors.DataLossError:  # the last record of a killed writer
            pass
    return {tag: (np.array(sorted(v)), np.array([v[s] for s in sorted(v)])) for tag, v in found.items()}


def training_curves_figure(scalars, title):
    """Panels of the training curves: loss, reconstruction and KL (train and held-out), the other
    logged terms, the KL of each latent, and the metrics computed during training."""
    panels = [
        ("loss", ["train/loss"]),
        ("reconstruction", ["train/reconstruction", "eval/reconstruction"]),
        ("KL (nats)", ["train/kl", "eval/kl"]),
    ]
    shown = {tag for _, tags in panels for tag in tags} | {"train/elbo", "train/learning_rate"}
    others = sorted(t for t in scalars if t.startswith("train/") and t not in shown)
    panels += [(tag[len("train/") :], [tag]) for tag in others]
    latents = sorted(
        (t for t in scalars if t.startswith("kl_per_latent/")), key=lambda t: int(t.split("/")[1])
    )
    if latents:
        panels.append(("KL of each latent (nats)", latents))
    measured = sorted(t for t in scalars if t.startswith("metrics/") and t != "metrics/seconds")
    if measured:
        panels.append(("metrics during training (reduced sizes)", measured))
    panels = [(label, [t for t in tags if t in scalars]) for label, tags in panels]
    panels = [(label, tags) for label, tags in panels if tags]
    if not panels:
        raise ValueError("no training curves: the TensorBoard directory holds no scalars yet")
    columns = min(3, len(panels))
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.3 * columns, 3.0 * rows), squeeze=False)
    for ax, (label, tags) in zip(axes.flat, panels):
        for tag in tags:
            steps, values = scalars[tag]
            name = (
                tag.split("/", 1)[1] if tag.startswith(("kl_per_latent/", "metrics/")) else tag.split("/")[0]
            )
            name = f"z{name}" if tag.startswith("kl_per_latent/") else name
            ax.plot(steps, values, marker="." if len(steps) < 30 else None, linewidth=1.2, label=name)
        ax.set_xlabel("step", fontsize=8)
        ax.set_ylabel(label, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        if len(tags) > 1 or tags[0].startswith("metrics/"):
            ax.legend(fontsize=6, ncol=2 if len(tags) > 5 else 1)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    fig.suptitle(
        f"{title}\ntrain: mean over the steps since the previous point; eval: a held-out batch, "
        "reconstructed from the posterior mean",
        fontsize=8,
    )
    fig.tight_layout()
    return fig
