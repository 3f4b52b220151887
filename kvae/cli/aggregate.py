"""kvae-aggregate: a study directory as one tidy table, figures and a summary.

    kvae-aggregate --study_dir=studies/tiny
    kvae-aggregate --study_dir=studies/v1 --noudr --output_dir=reports/v1

Writes OUTPUT/results.csv and results.parquet (one row per run x representation), summary.md
(mean ± std over seeds per setting) and figures/*.png (metric per frame and setting, rank
correlations between metrics, unsupervised vs supervised scores). OUTPUT is STUDY_DIR/aggregate.
"""

import os

from absl import flags

from kvae.cli import common

FLAGS = flags.FLAGS
flags.DEFINE_string("study_dir", None, "A study directory written by kvae-study.")
flags.DEFINE_string(
    "output_dir", None, "Where to write the table, summary and figures (default STUDY_DIR/aggregate)."
)
flags.DEFINE_bool("udr", True, "Compute UDR across the seeds of each setting (loads every model).")

common.define_verbose_flag()


def main(argv):
    if len(argv) > 1:
        common.fail("kvae-aggregate", f"unexpected arguments {argv[1:]}; expected only --flags")
    if not FLAGS.study_dir:
        common.fail("kvae-aggregate", "--study_dir is required: a directory written by kvae-study")
    with common.one_line_errors("kvae-aggregate", FLAGS.verbose):
        from kvae.studies import aggregate

        output = FLAGS.output_dir or os.path.join(FLAGS.study_dir, "aggregate")
        frame = aggregate.aggregate(FLAGS.study_dir, output, udr=FLAGS.udr)
    print(f"{frame['model_num'].nunique()} runs, {len(frame)} rows, {len(frame.columns)} columns")
    print(f"Table:    {os.path.join(output, 'results.csv')} (and results.parquet)")
    print(f"Summary:  {os.path.join(output, 'summary.md')}")
    print(f"Figures:  {os.path.join(output, 'figures')}{os.sep}")


def run():
    common.run_app(main, __name__)


if __name__ == "__main__":
    run()
