r"""kvae-train: train a frame from gin configs into a run directory.

    kvae-train --gin_config=gin_configs/quickstart.gin --model_dir=runs/quickstart
    kvae-train --gin_config=gin_configs/models/beta_vae.gin \
        --gin_config=gin_configs/datasets/xysquares.gin \
        --gin_bindings="BetaVAE.beta = 4" --model_dir=runs/bvae

Running it again on an unfinished run directory resumes from its newest
checkpoint (SIGINT/SIGTERM save one at the current step); raising train.steps
extends a finished run; --overwrite replaces a run (only a directory kvae made).
Errors are one line and exit status 1 (--verbose shows the traceback of an
internal error).

Progress: a bar on a terminal; redirected to a file, one line per
train.log_every steps (step, images/s, the loss terms, ETA). Bind
train.verbose = 0 (silent), 1 (bar) or 2 (lines) to choose.
"""

import os

from absl import flags

from kvae.cli import common
from kvae.studies.columns import scalar_columns

FLAGS = flags.FLAGS
flags.DEFINE_string("model_dir", None, "The run directory (created, or resumed when unfinished).")
flags.DEFINE_bool("overwrite", False, "Replace the run in --model_dir (only a directory kvae made).")
common.define_gin_flags()
common.define_verbose_flag()


def main(argv):
    if len(argv) > 1:
        common.fail("kvae-train", f"unexpected arguments {argv[1:]}; expected only --flags")
    if not FLAGS.model_dir:
        common.fail("kvae-train", "--model_dir is required: the run directory to write")
    with common.one_line_errors("kvae-train", FLAGS.verbose):
        common.parse_gin(FLAGS.gin_config, FLAGS.gin_bindings, dlib_compat=FLAGS.dlib_compat)
        common.show_metric_progress()
        from kvae import training

        result = training.train(FLAGS.model_dir, overwrite=FLAGS.overwrite)
    run = result["run"]
    print()
    print(f"Run directory:  {run.root}")
    print(f"Results:        {run.train_results}")
    for name, evaluation in result["eval"].items():
        print(f"Evaluation:     {run.eval_results(name)}")
        for column, value in scalar_columns(name, evaluation["values"]).items():
            print(f"  {column}: {value:.4g}")
    print(f"Images:         {run.images}{os.sep}")
    print(f"TensorBoard:    tensorboard --logdir {run.tensorboard}")


def run():
    common.run_app(main, __name__)


if __name__ == "__main__":
    run()
