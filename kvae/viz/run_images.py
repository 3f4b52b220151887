"""The images of a run directory (`images/`): what `kvae-train` writes at the end and `kvae-visualize` writes
on demand."""

import os

import numpy as np

from kvae.viz import grids, model_figures, traversals
from kvae.viz.figures import save_figure

__all__ = ["write_model_images"]


def write_model_images(model, data, directory, seed=0, num_bases=3, reference_size=256, gifs=True, title=""):
    """Writes the pictures of a model that need no metric: traversals (PNG and GIFs), reconstructions,
    prior samples and the KL of each latent.

    Files: `traversals.png`, `traversal_z<d>.gif` (one per latent), `traversals.gif` (the
    informative latents at once), `reconstructions.png`, `samples.png`, `kl_per_latent.png`.

    Args:
        model: a kvae frame.
        data: its ground-truth dataset.
        directory: where to write (created).
        seed: seeds the images drawn from `data`.
        num_bases: base images of the traversals.
        reference_size: images whose aggregate posterior sets the traversal ranges and KLs.
        gifs: also write the animated traversals.
        title: prefix of the figure titles (e.g. the frame and the step).

    Returns:
        The paths written.
    """
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(seed)
    reference = data.observations(data.sample_factors(reference_size, rng))
    preview = reference[:8]
    summary = traversals.latent_summary(model, reference)
    written = []

    def path(name):
        written.append(os.path.join(directory, name))
        return written[-1]

    save_figure(
        traversals.traversal_figure(
            model,
            reference[:num_bases],
            reference,
            title=f"{title}latent traversals, "
            "rows by KL (nats); each latent swept over m ± 2σ of the aggregate posterior",
        ),
        path("traversals.png"),
    )
    grids.save_png(path("reconstructions.png"), grids.labelled_reconstructions(model, preview))
    grids.save_png(path("samples.png"), grids.upscale(grids.sample_grid(model), 2))
    save_figure(
        model_figures.kl_figure(
            summary["kl"],
            traversals.DEAD_KL,
            f"{title.rstrip(': ')}\nKL of each latent, mean over {reference_size} images",
        ),
        path("kl_per_latent.png"),
    )
    if gifs:
        for d in range(len(summary["kl"])):
            traversals.traversal_gif(model, reference[:num_bases], summary, d, path(f"traversal_z{d}.gif"))
        traversals.combined_gif(model, reference[:num_bases], summary, path("traversals.gif"))
    return written
