"""kvae-study: train and score every run of a study as Ray tasks, resumably.

    kvae-study --study=tiny --study_dir=studies/tiny
    kvae-study --study=locatello2019_unsupervised --study_dir=studies/v1 --model_num=0-299 --only_print
    kvae-study --study=my_study.gin --study_dir=studies/mine --address=auto \\
        --cpus_per_run=4 --gpus_per_run=0.25

Each run is an ordinary run directory, STUDY_DIR/runs/<model_num>/, with its log in
STUDY_DIR/logs/<model_num>.log; STUDY_DIR/study.json records every run's status. Running the same
command again skips complete runs and resumes unfinished ones. The exit status is 1 when a run failed.
"""

from absl import flags

from kvae.cli import common

FLAGS = flags.FLAGS
flags.DEFINE_string(
    "study", None, "A shipped study name (e.g. tiny, locatello2019_unsupervised) or a study gin file."
)
flags.DEFINE_string("study_dir", None, "The study directory (created; resumed when it holds this study).")
flags.DEFINE_string(
    "model_num", None, "Runs to execute: N, N-M (inclusive) or a comma-separated list; all if unset."
)
flags.DEFINE_bool("only_print", False, "Print the selected runs' configs and bindings, and run nothing.")
flags.DEFINE_string(
    "address", None, "Ray cluster to join: 'auto' or HOST:PORT (`ray start --head`); default a local Ray."
)
flags.DEFINE_float("cpus_per_run", 1.0, "CPUs per run; TensorFlow and the metrics use this many threads.")
flags.DEFINE_float("gpus_per_run", 0.0, "GPUs per run; fractions share a GPU (0.25: four runs per GPU).")
flags.DEFINE_integer("num_cpus", None, "CPUs of the local Ray (default: all); ignored with --address.")
flags.DEFINE_integer(
    "max_retries", 3, "Restarts of a run whose worker died; it resumes from its newest checkpoint."
)
flags.DEFINE_multi_string(
    "study_bindings", [], "Bindings of the study file itself, e.g. \"study.representations = ['mean']\"."
)
flags.DEFINE_multi_string(
    "gin_bindings", [], "Bindings every run gets after its own, e.g. 'train.steps = 1000'."
)

common.define_verbose_flag()


def parse_model_nums(text):
    """'3' -> [3]; '0-4' -> [0, 1, 2, 3, 4]; '1,5,7-8' -> [1, 5, 7, 8]."""
    from kvae.errors import KvaeError

    numbers = []
    for part in text.split(","):
        bounds = part.strip().split("-")
        if len(bounds) > 2 or not all(b.strip().isdigit() for b in bounds):
            raise KvaeError(f"--model_num: expected N, N-M or a comma-separated list of them, got {text!r}")
        low, high = int(bounds[0]), int(bounds[-1])
        if high < low:
            raise KvaeError(f"--model_num: range {part.strip()!r} is empty (expected N-M with N <= M)")
        numbers.extend(range(low, high + 1))
    return list(dict.fromkeys(numbers))


def main(argv):
    if len(argv) > 1:
        common.fail("kvae-study", f"unexpected arguments {argv[1:]}; expected only --flags")
    if not FLAGS.study:
        common.fail("kvae-study", "--study is required: a shipped study name or a study gin file")
    if not FLAGS.study_dir and not FLAGS.only_print:
        common.fail("kvae-study", "--study_dir is required: the directory the study's runs are written to")
    with common.one_line_errors("kvae-study", FLAGS.verbose):
        from kvae import studies

        study = studies.load_study(FLAGS.study, FLAGS.study_bindings, FLAGS.gin_bindings)
        model_nums = parse_model_nums(FLAGS.model_num) if FLAGS.model_num else None
        if FLAGS.only_print:
            selected = study.select(model_nums)
            print(
                f"study {study.name}: {len(study)} runs"
                + (f" ({study.description})" if study.description else "")
            )
            for run in selected:
                files, bindings = study.run_config(run.model_num)
                print(f"model_num {run.model_num}: " + " ".join(f"--gin_config={f}" for f in files))
                for line in bindings:
                    print(f"    {line}")
            return
        records = studies.run_study(
            study,
            FLAGS.study_dir,
            model_nums,
            address=FLAGS.address,
            cpus_per_run=FLAGS.cpus_per_run,
            gpus_per_run=FLAGS.gpus_per_run,
            num_cpus=FLAGS.num_cpus,
            max_retries=FLAGS.max_retries,
        )
    failed = {n: r for n, r in records.items() if r.get("status") != "finished"}
    print(f"Study directory: {FLAGS.study_dir}  ({len(records) - len(failed)}/{len(records)} runs finished)")
    if failed:
        for n, record in failed.items():
            print(f"  run {n} failed: {record.get('error')}  (log: {FLAGS.study_dir}/logs/{n}.log)")
        common.fail(
            "kvae-study", f"{len(failed)} of {len(records)} runs failed: {', '.join(map(str, failed))}"
        )
    print(f"Aggregate:       kvae-aggregate --study_dir={FLAGS.study_dir}")
    print(f"TensorBoard:     tensorboard --logdir {FLAGS.study_dir}/runs")


def run():
    common.run_app(main, __name__)


if __name__ == "__main__":
    run()
