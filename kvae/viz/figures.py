"""Figures of the analyses in `kvae.analysis`: distance matrices, PCA-view curves, group and latent structure.

Each function returns a matplotlib `Figure` (Agg backend, no display needed);
`save_figure` writes it as PNG atomically. Every axis, factor and colour bar
is labelled, so a figure reads without the code.
"""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from kvae.io import write_atomic  # noqa: E402
from kvae.viz.grids import image_grid  # noqa: E402

__all__ = ["distance_matrices_figure", "groups_figure", "latents_figure", "pca_view_figure", "save_figure"]

COLOUR_LABELS = {"ground_truth": "factor steps", "latent_l2": "l2 distance", "latent_kl": "KL (nats)"}
LEVEL_TITLES = {
    "ground_truth": "ground truth |u - v|",
    "data": "perceived d(x_u, x_v)",
    "latent_l2": "l2 between posterior means",
    "latent_kl": "KL(q(z|x_u) || q(z|x_v))",
    "reconstruction": "perceived d between reconstructions",
}


def distance_matrices_figure(rows, title, notes=None, cell=2.3):
    """A grid of distance matrices: one row per entry of `rows`, one column per matrix in it.

    Michlo et al., Figures 3, 4 and 8.

    Args:
        rows: {row label (a factor, a spacing): {column label: [K, K] matrix}};
            column labels in `LEVEL_TITLES` get their long title.
        title: the figure's title (dataset, loss, number of base points).
        notes: {row label: {column label: text}} shown under each matrix (e.g. its correlation).
    """
    columns = max(len(matrices) for matrices in rows.values())
    fig, axes = plt.subplots(
        len(rows), columns, figsize=(cell * columns + 1.2, cell * len(rows) + 0.9), squeeze=False
    )
    for r, (label, matrices) in enumerate(rows.items()):
        for c in range(columns):
            ax = axes[r, c]
            if c >= len(matrices):
                ax.axis("off")
                continue
            name, matrix = list(matrices.items())[c]
            image = ax.imshow(np.asarray(matrix), cmap="viridis", interpolation="nearest")
            colorbar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
            colorbar.set_label(COLOUR_LABELS.get(name, "perceived distance (loss)"), fontsize=6)
            colorbar.ax.tick_params(labelsize=6)
            size = len(matrix)
            ticks = (
                np.arange(size) if size <= 10 else np.unique(np.linspace(0, size - 1, 5).round().astype(int))
            )
            ax.set_xticks(ticks), ax.set_yticks(ticks)
            ax.tick_params(labelsize=6)
            if r == 0:
                ax.set_title(LEVEL_TITLES.get(name, name), fontsize=8)
            note = (notes or {}).get(label, {}).get(name)
            x_label = [note] if note else []
            if r == len(rows) - 1:
                x_label.append("factor value v")
            ax.set_xlabel("\n".join(x_label), fontsize=7)
            if c == 0:
                ax.set_ylabel(f"{label}\nfactor value u", fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def pca_view_figure(panels, title):
    """Curves per factor against eps, one panel per statistic (Zietlow et al., Figure 4 (a)-(c)).

    Args:
        panels: list of (panel title, y label, eps [E], {factor: [E] values});
            the perturbation factor "s" is drawn black and dashed; NaN values are skipped.
        title: the figure's title.
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False)
    colours = plt.get_cmap("tab10")
    for ax, (panel_title, y_label, eps, series) in zip(axes[0], panels):
        eps = np.asarray(eps, np.float64)
        for k, (name, values) in enumerate(series.items()):
            values = np.asarray(values, np.float64)
            keep = np.isfinite(values)
            style = (
                dict(color="black", linestyle="--", linewidth=2.2)
                if name == "s"
                else dict(color=colours(k % 10))
            )
            ax.plot(eps[keep], values[keep], marker="o", markersize=4, label=name, **style)
        ax.set_title(panel_title, fontsize=9)
        ax.set_xlabel("perturbation size eps", fontsize=8)
        ax.set_ylabel(y_label, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    axes[0, -1].legend(
        fontsize=7, title="factor", title_fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0)
    )
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def groups_figure(result, inputs, prefixes, title):
    """Halevi's group view: the information of each factor in each latent group beside the prefix
    reconstructions.

    Args:
        result: `kvae.analysis.group_informativeness` output.
        inputs: images [N, H, W, C].
        prefixes: reconstructions from group prefixes [N, G, H, W, C].
        title: the figure's title.
    """
    groups = [
        f"group {g + 1}\nz{start}..z{stop - 1}" if stop - start > 1 else f"group {g + 1}\nz{start}"
        for g, (start, stop) in enumerate(result["groups"])
    ]
    panels = [("mutual_information", "sum of I(z_n; f) / H(f) over the group")]
    if "informativeness" in result:
        panels.append(("informativeness", "test accuracy from the group alone"))
    fig = plt.figure(figsize=(4.2 * len(panels) + 4.5, 4.6))
    grid = fig.add_gridspec(1, len(panels) + 1, width_ratios=[1] * len(panels) + [1.25])
    for k, (key, label) in enumerate(panels):
        ax = fig.add_subplot(grid[0, k])
        _heatmap(
            fig, ax, np.asarray(result[key]), groups, result["factor_names"], label, "latent group", "factor"
        )
        ax.set_title(
            "information of each factor in each group"
            if key == "mutual_information"
            else "predicting each factor from one group",
            fontsize=9,
        )
    ax = fig.add_subplot(grid[0, -1])
    count = prefixes.shape[1]
    ax.imshow(image_grid(np.concatenate([np.asarray(inputs)[:, None], prefixes], axis=1)))
    width = inputs.shape[2] + 1
    ax.set_xticks([1 + width * (c + 0.5) for c in range(count + 1)])
    ax.set_xticklabels(
        ["input"] + [f"groups 1..{g + 1}" if g else "group 1" for g in range(count)], fontsize=7, rotation=30
    )
    ax.set_yticks([])
    ax.set_title("reconstructions from group prefixes\n(later groups set to 0)", fontsize=9)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def latents_figure(result, title):
    """The latent x factor structure of a run: MI matrix (MIG), DCI importance, posterior variance (active
    units).

    Args:
        result: `kvae.analysis.latent_structure` output.
        title: the figure's title.
    """
    names = result["factor_names"]
    latents = [f"z{d}" for d in range(len(result["mutual_information"]))]
    panels = [
        (
            "mutual_information",
            "I(z_d; f) / H(f)",
            f"mutual information (what MIG reads): MIG {result['mig']:.3f}",
        )
    ]
    if "dci_importance" in result:
        panels.append(
            (
                "dci_importance",
                "importance (sums to 1 per factor)",
                f"DCI importance: D {result['disentanglement']:.2f}, C {result['completeness']:.2f}, I "
                f"{result['informativeness_test']:.2f}",
            )
        )
    fig, axes = plt.subplots(1, len(panels) + 1, figsize=(4.2 * (len(panels) + 1), 0.32 * len(latents) + 2.6))
    for ax, (key, label, panel_title) in zip(axes, panels):
        _heatmap(fig, ax, np.asarray(result[key]), latents, names, label, "latent", "factor")
        ax.set_title(panel_title, fontsize=9)
    ax = axes[-1]
    variance = np.asarray(result["mean_posterior_variance"])
    positions = np.arange(len(latents))
    colours = ["tab:green" if a else "tab:gray" for a in result["active_units"]]
    ax.scatter(variance, positions, c=colours, s=30, zorder=3)
    for y, v in zip(positions, variance):
        ax.annotate(f"{v:.3g}", (v, y), textcoords="offset points", xytext=(6, -3), fontsize=6)
    ax.axvline(0.8, color="black", linestyle="--", linewidth=1, label="threshold 0.8 (active below)")
    ax.set_xscale("log")
    ax.set_xlim(right=max(2.0, 2.0 * float(variance.max())))
    ax.set_yticks(positions, latents, fontsize=7)
    ax.set_ylim(len(latents) - 0.5, -0.5)
    ax.grid(alpha=0.3, axis="x")
    ax.set_xlabel("mean posterior variance E[sigma^2] (log scale)", fontsize=8)
    ax.set_title(f"active units: {result['num_active_units']} of {len(latents)}", fontsize=9)
    ax.legend(fontsize=7, loc="lower center")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def save_figure(fig, path, dpi=130):
    """Writes `fig` to `path` as PNG, atomically, and closes it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    write_atomic(path, buffer.getvalue(), mode="wb")


def _heatmap(fig, ax, matrix, row_labels, column_labels, colour_label, row_title, column_title):
    """An annotated heatmap with labelled rows, columns and colour bar."""
    image = ax.imshow(
        matrix,
        cmap="magma",
        aspect="auto",
        vmin=0.0,
        vmax=max(1.0, float(np.nanmax(matrix))) if matrix.size else 1.0,
    )
    colorbar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
    colorbar.set_label(colour_label, fontsize=7)
    colorbar.ax.tick_params(labelsize=6)
    ax.set_xticks(range(len(column_labels)), column_labels, fontsize=7, rotation=30)
    ax.set_yticks(range(len(row_labels)), row_labels, fontsize=7)
    ax.set_xlabel(column_title, fontsize=8)
    ax.set_ylabel(row_title, fontsize=8)
    if matrix.size <= 200:
        for (r, c), value in np.ndenumerate(matrix):
            ax.text(
                c,
                r,
                f"{value:.2f}",
                ha="center",
                va="center",
                fontsize=6,
                color="white" if value < 0.6 * image.norm.vmax else "black",
            )
