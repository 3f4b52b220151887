"""kvae-evaluate: score a trained run with disentanglement metrics.

    kvae-evaluate --model_dir=runs/quickstart --gin_config=gin_configs/metrics/dci.gin
    kvae-evaluate --model_dir=runs/quickstart --gin_config=gin_configs/metrics/all.gin \
        --gin_bindings="evaluate.seed = 3"

The run's own gin/operative.gin is read first (it chooses the dataset); the
given configs and bindings come after it. Each metric is written atomically to
RUN/results/eval/<representation>/<metric>.json with its values, settings, seed and dataset.
"""

import os

from absl import flags

from kvae.cli import common

FLAGS = flags.FLAGS
flags.DEFINE_string("model_dir", None, "The run directory of a trained model.")
common.define_gin_flags()
common.define_verbose_flag()


def main(argv):
    if len(argv) > 1:
        common.fail("kvae-evaluate", f"unexpected arguments {argv[1:]}; expected only --flags")
    if not FLAGS.model_dir:
        common.fail("kvae-evaluate", "--model_dir is required: the run directory to evaluate")
    with common.one_line_errors("kvae-evaluate", FLAGS.verbose):
        from kvae.errors import KvaeError
        from kvae.run_directory import RunDirectory

        operative = RunDirectory(FLAGS.model_dir).gin
        if not os.path.exists(operative):
            raise KvaeError(
                f"{operative} not found: expected --model_dir to be a kvae run directory, got "
                f"{FLAGS.model_dir}"
            )
        common.parse_gin(
            FLAGS.gin_config, FLAGS.gin_bindings, dlib_compat=FLAGS.dlib_compat, base_files=[operative]
        )
        from kvae import evaluation

        common.show_metric_progress()

        results, run = evaluation.evaluate(FLAGS.model_dir)
    for name, result in results.items():
        scalars = {
            k: round(v, 4)
            for k, v in result["values"].items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        }
        print(f"{name}: {scalars}  -> {run.eval_results(name, result['representation'])}")


def run():
    common.run_app(main, __name__)


if __name__ == "__main__":
    run()
