r"""kvae-visualize: the pictures of a trained or training run, written to RUN/images/.

    kvae-visualize --model_dir=runs/quickstart
    kvae-visualize --model_dir=runs/xysquares --num_points=2000 --nogifs --dci

A finished run shows its model.keras, a run still training its newest
checkpoint. Writes traversals.png (rows by KL, informative latents only,
ranges from the aggregate posterior), traversal_z<d>.gif and traversals.gif
(animated), reconstructions.png, samples.png, kl_per_latent.png,
latents.png (the latent x factor mutual information that MIG reads, and the
posterior variances of the active units; DCI importances with --dci) and
training_curves.png (from the run's TensorBoard scalars).
"""

import os

from absl import flags

from kvae.cli import common

FLAGS = flags.FLAGS
flags.DEFINE_string("model_dir", None, "The run directory (finished, or still training).")
flags.DEFINE_integer("num_points", 5000, "Sampled points of the mutual-information matrix (latents.png).")
flags.DEFINE_integer("num_bases", 3, "Base images of the traversals.")
flags.DEFINE_bool("gifs", True, "Write the animated traversals.")
flags.DEFINE_bool(
    "dci", False, "Add DCI's importance matrix to latents.png (fits gradient-boosted trees: slower)."
)
flags.DEFINE_integer("seed", 0, "Seed of the images and points drawn from the dataset.")
common.define_verbose_flag()

PROGRAM = "kvae-visualize"


def main(argv):
    if len(argv) > 1:
        common.fail(PROGRAM, f"unexpected arguments {argv[1:]}; expected only --flags")
    if not FLAGS.model_dir:
        common.fail(PROGRAM, "--model_dir is required: the run directory to visualise")
    for name, minimum in (("num_points", 10), ("num_bases", 1)):
        if getattr(FLAGS, name) < minimum:
            common.fail(PROGRAM, f"--{name} must be >= {minimum}, got {getattr(FLAGS, name)}")
    with common.one_line_errors(PROGRAM, FLAGS.verbose):
        for path in visualize(
            FLAGS.model_dir, FLAGS.num_points, FLAGS.num_bases, FLAGS.gifs, FLAGS.dci, FLAGS.seed
        ):
            print(path)


def visualize(model_dir, num_points=5000, num_bases=3, gifs=True, dci=False, seed=0):
    """Writes the pictures of the run in `model_dir` into its images/; returns the paths written."""
    from kvae.errors import KvaeError
    from kvae.run_directory import RunDirectory

    run = RunDirectory(model_dir)
    if not os.path.exists(run.gin):
        raise KvaeError(
            f"{run.gin} not found: expected --model_dir to be a kvae run directory, got {model_dir}"
        )
    common.parse_gin([], [], base_files=[run.gin])
    import keras
    import numpy as np

    from kvae import config
    from kvae.analysis import latent_structure
    from kvae.viz import figures, model_figures, run_images

    source = run.model if os.path.exists(run.model) else run.latest_checkpoint()
    if source is None:
        raise KvaeError(
            f"no model in {run.root}: expected model.keras or a checkpoint; train it first with kvae-train"
        )
    model = keras.saving.load_model(source)
    data = config.dataset()
    step = (
        int(model.optimizer.iterations.numpy())
        if model.optimizer is not None and model.optimizer.built
        else 0
    )
    title = f"{type(model).__name__} on {data.name}, step {step}: "
    print(
        f"{os.path.relpath(source, run.root)} (step {step}) on {data.name} -> {run.images}{os.sep}",
        flush=True,
    )
    written = run_images.write_model_images(
        model, data, run.images, seed, num_bases=num_bases, gifs=gifs, title=title
    )

    factors = data.sample_factors(num_points, np.random.default_rng(seed))
    images = data.observations(factors)
    mean, logvar = (
        np.concatenate(parts)
        for parts in zip(
            *(
                [np.asarray(t) for t in model.encode(images[start : start + 256])]
                for start in range(0, num_points, 256)
            )
        )
    )
    structure = latent_structure(mean, logvar, factors, data.factor_names, importance=dci, seed=seed)
    written.append(os.path.join(run.images, "latents.png"))
    figures.save_figure(figures.latents_figure(structure, f"{title}{num_points} sampled points"), written[-1])

    scalars = model_figures.read_scalars(run.tensorboard) if os.path.isdir(run.tensorboard) else {}
    if scalars:
        written.append(os.path.join(run.images, "training_curves.png"))
        figures.save_figure(
            model_figures.training_curves_figure(scalars, f"{type(model).__name__} on {data.name}"),
            written[-1],
        )
    return written


def run():
    common.run_app(main, __name__)


if __name__ == "__main__":
    run()
