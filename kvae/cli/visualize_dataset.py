"""kvae-visualize-dataset: a PNG grid of factor traversals, one row per factor, labelled.

    kvae-visualize-dataset --dataset=xysquares --output=xysquares.png
    kvae-visualize-dataset --dataset=perturbed --gin_bindings="Perturbed.base = 'dsprites'" \
        --gin_bindings="Perturbed.s = 's.npy'" --output=perturbed.png --num_values=10

Row i starts from one seeded random element and sweeps factor i over
`--num_values` values spread evenly over its range; its label names the
factor, its number of values and the values shown.
"""

import numpy as np
from absl import flags

from kvae.cli import common

FLAGS = flags.FLAGS
flags.DEFINE_string("dataset", None, "A registered dataset name (kvae.data.names()).")
flags.DEFINE_string("output", None, "The PNG file to write.")
flags.DEFINE_integer("num_values", 8, "Values per factor (columns).")
flags.DEFINE_integer("seed", 0, "Seed of the element the traversals start from.")
common.define_gin_flags()

PROGRAM = "kvae-visualize-dataset"


def traversal_images(data, num_values=8, seed=0):
    """float32 [F, num_values, H, W, C]: factor i of one seeded element swept over its range in row i."""
    base = data.sample_factors(1, np.random.default_rng(seed))[0]
    factors = np.repeat(base[None], data.num_factors * num_values, axis=0).reshape(
        data.num_factors, num_values, -1
    )
    for i, values in enumerate(factor_values(data, num_values)):
        factors[i, :, i] = values
    images = data.observations(factors.reshape(-1, data.num_factors))
    return images.reshape((data.num_factors, num_values) + images.shape[1:])


def factor_values(data, num_values):
    """[F, num_values] the factor indices each row shows (evenly spread over each factor's range)."""
    return np.stack(
        [np.linspace(0, size - 1, num_values).round().astype(np.int64) for size in data.factor_sizes]
    )


def labelled_traversals(data, num_values=8, seed=0, scale=2):
    """uint8 grid of `traversal_images`, enlarged `scale` times, each row labelled with its factor."""
    from kvae.viz.grids import image_grid, label_rows, upscale

    grid = upscale(image_grid(traversal_images(data, num_values, seed)), scale)
    labels = []
    for name, size, values in zip(data.factor_names, data.factor_sizes, factor_values(data, num_values)):
        shown = ", ".join(map(str, values)) if num_values <= 8 else f"{values[0]}..{values[-1]}"
        labels.append(f"{name}\n{size} values\nshown: {shown}")
    return label_rows(grid, labels, data.num_factors, margin=165)


def main(argv):
    if len(argv) > 1:
        common.fail(PROGRAM, f"unexpected arguments {argv[1:]}; expected only --flags")
    if not FLAGS.dataset:
        common.fail(PROGRAM, "--dataset is required: a registered dataset name")
    if not FLAGS.output:
        common.fail(PROGRAM, "--output is required: the PNG file to write")
    if FLAGS.num_values < 1:
        common.fail(PROGRAM, f"--num_values must be >= 1, got {FLAGS.num_values}")
    try:
        common.parse_gin(FLAGS.gin_config, list(FLAGS.gin_bindings) + [f"dataset.name = {FLAGS.dataset!r}"])
        from kvae import config
        from kvae.viz.grids import save_png

        data = config.dataset()
        save_png(FLAGS.output, labelled_traversals(data, FLAGS.num_values, FLAGS.seed))
    except (ValueError, OSError, SyntaxError, TypeError) as error:
        common.fail(PROGRAM, error)
    print(
        f"{data.name}: {data.num_factors} factors {dict(zip(data.factor_names, data.factor_sizes))} -> "
        f"{FLAGS.output}"
    )


def run():
    common.run_app(main, __name__)


if __name__ == "__main__":
    run()
