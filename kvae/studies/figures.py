"""Figures of an aggregated study (Locatello et al. 2019 style): metric distributions per frame and
hyperparameter, and Spearman rank correlations between metrics and between unsupervised and supervised
scores."""

import os

import numpy as np

__all__ = ["write_all", "metric_distribution", "rank_correlation"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _short(setting):
    """'BetaVAE.beta=4.0, XYSquares.grid_spacing=2' -> 'beta=4.0\ngrid_spacing=2' (configurable names
    dropped)."""
    parts = [p.strip() for p in str(setting).split(",")]
    return "\n".join(p.split(".", 1)[1] if "." in p.split("=")[0] else p for p in parts)


def _main_representation(frame):
    return "mean" if "mean" in set(frame["representation"]) else frame["representation"].iloc[0]


def metric_distribution(frame, metric, path):
    """Box plots of `metric` over seeds: one panel per dataset (rows) and frame (columns), one box per
    setting."""
    plt = _pyplot()
    frame = frame[frame["representation"] == _main_representation(frame)]
    datasets, frames = list(dict.fromkeys(frame["dataset"])), list(dict.fromkeys(frame["frame"]))
    figure, axes = plt.subplots(
        len(datasets),
        len(frames),
        figsize=(2.0 + 2.6 * len(frames), 2.4 + 2.2 * len(datasets)),
        squeeze=False,
    )
    for i, dataset in enumerate(datasets):
        for j, name in enumerate(frames):
            ax = axes[i][j]
            group = frame[(frame["dataset"] == dataset) & (frame["frame"] == name)]
            settings = list(dict.fromkeys(group["setting"]))
            values = [group[group["setting"] == s][metric].dropna().to_numpy() for s in settings]
            if any(len(v) for v in values):
                ax.boxplot([v if len(v) else [np.nan] for v in values], widths=0.6)
                for k, v in enumerate(values):  # every run as a dot over its box
                    ax.plot(np.full(len(v), k + 1.0), v, "o", color="tab:blue", alpha=0.6, markersize=3)
                ax.set_xticks(
                    range(1, len(settings) + 1),
                    [_short(s) for s in settings],
                    fontsize=7,
                    rotation=30 if len(settings) > 4 else 0,
                )
            else:
                ax.text(0.5, 0.5, "no runs", ha="center", va="center", transform=ax.transAxes)
                ax.set_xticks([])
            ax.set_title(f"{name} on {dataset}", fontsize=9)
            if j == 0:
                ax.set_ylabel(metric)
            ax.grid(axis="y", alpha=0.3)
    figure.suptitle(
        f"{metric} per setting (box over seeds, {_main_representation(frame)} codes)", fontsize=10
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def rank_correlation(frame, rows, columns, path, title):
    """Heat maps of the Spearman rank correlation between `rows` and `columns` metrics, one panel per
    dataset."""
    plt = _pyplot()
    frame = frame[frame["representation"] == _main_representation(frame)]
    datasets = list(dict.fromkeys(frame["dataset"]))
    figure, axes = plt.subplots(
        1,
        len(datasets),
        figsize=(1.6 + 0.75 * len(columns) * len(datasets) + 2.5, 1.6 + 0.55 * len(rows)),
        squeeze=False,
    )
    image = None
    for ax, dataset in zip(axes[0], datasets):
        group = frame[frame["dataset"] == dataset]
        ranks = group[list(dict.fromkeys([*rows, *columns]))].rank()
        matrix = ranks.corr().loc[rows, columns].to_numpy()  # Pearson of ranks = Spearman
        image = ax.imshow(matrix, cmap="RdBu_r", vmin=-1, vmax=1)
        for (r, c), value in np.ndenumerate(matrix):  # NaN: a metric constant over these runs
            ax.text(
                c,
                r,
                "const." if np.isnan(value) else f"{value:.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if abs(np.nan_to_num(value)) > 0.6 else "black",
            )
        ax.set_xticks(range(len(columns)), columns, rotation=45, ha="right", fontsize=7)
        ax.set_yticks(range(len(rows)), rows, fontsize=7)
        ax.set_title(f"{dataset} ({len(group)} runs)", fontsize=9)
    figure.colorbar(image, ax=list(axes[0]), label="Spearman rank correlation", shrink=0.8)
    figure.suptitle(title + "\n(const.: the metric did not vary across these runs)", fontsize=10, y=1.06)
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)


def write_all(frame, metrics, directory):
    """Every figure of a study into `directory`; returns their paths."""
    from kvae.studies.columns import UNSUPERVISED

    paths = []
    for metric in metrics:
        paths.append(os.path.join(directory, f"{metric}.png"))
        metric_distribution(frame, metric, paths[-1])
    unsupervised = [m for m in metrics if m in UNSUPERVISED or m.startswith("udr_")]
    supervised = [m for m in metrics if m not in unsupervised]
    if len(metrics) > 1:
        paths.append(os.path.join(directory, "rank_correlation.png"))
        rank_correlation(frame, metrics, metrics, paths[-1], "Rank correlation between metrics across runs")
    if supervised and unsupervised:
        paths.append(os.path.join(directory, "unsupervised_vs_supervised.png"))
        rank_correlation(
            frame,
            unsupervised,
            supervised,
            paths[-1],
            "Do the unsupervised scores track the supervised metrics? (Locatello et al. 2019, sec. 5.2)",
        )
    return paths
