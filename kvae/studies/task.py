"""One study run, as executed in a Ray worker: train (or resume) the run directory, then its evaluations.

The function is plain Python so that it also runs in-process (the benchmark's baseline does so); the
runner wraps it in a Ray task. Everything the run prints goes to `study_dir/logs/<model_num>.log`.
"""

import contextlib
import os
import socket
import sys
import time

import gin

from kvae.errors import KvaeError, first_line

__all__ = ["RunSpec", "execute", "thread_environment", "run_directory", "expected_evaluations", "versions"]


class RunSpec(dict):
    """What a worker needs for one run: model_num, files, bindings, evaluations
    ([(config, [metric names])]), representations, evaluation_bindings and hparams (name -> value)."""


def run_directory(study_dir, model_num):
    return os.path.join(os.path.abspath(study_dir), "runs", str(model_num))


def log_path(study_dir, model_num):
    return os.path.join(os.path.abspath(study_dir), "logs", f"{model_num}.log")


def thread_environment(cpus):
    """Environment variables that give TF, BLAS/OpenMP and kvae's metric pools `cpus` threads."""
    cpus = str(max(1, int(round(cpus))))
    return {
        "TF_NUM_INTRAOP_THREADS": cpus,
        "TF_NUM_INTEROP_THREADS": cpus,
        "OMP_NUM_THREADS": cpus,
        "KVAE_NUM_CPUS": cpus,
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }


def expected_evaluations(spec):
    """(representation, metric) pairs the run's results must hold when it is finished."""
    return [(r, m) for r in spec["representations"] for _, metrics in spec["evaluations"] for m in metrics]


def is_complete(study_dir, spec):
    """True when the run is trained and every expected evaluation result exists."""
    from kvae.run_directory import RunDirectory

    run = RunDirectory(run_directory(study_dir, spec["model_num"]))
    return run.is_finished() and all(os.path.exists(run.eval_results(m, r)) for r, m in expected_evaluations(spec))


@contextlib.contextmanager
def _redirected(path):
    """Sends this process's stdout and stderr (Python and C level) to `path` while the run executes."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "a", buffering=1) as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = log
        try:
            yield log
        finally:
            sys.stdout, sys.stderr = old
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def _configure_devices():
    """Turns on memory growth so that runs sharing a GPU (`gpus_per_run < 1`) do not each take all of it."""
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised in this worker
            pass


def _attempt(log_file):
    """How many times this run has started (the header lines already in its log)."""
    if not os.path.exists(log_file):
        return 1
    with open(log_file) as f:
        return 1 + sum(line.startswith("== kvae-study run ") for line in f)


def _evaluate(run, spec, train_seed):
    """Runs the evaluations whose results are missing; returns {representation: {metric: values}}."""
    import keras

    from kvae import config, evaluation, io
    from kvae.cli import common

    model = None
    scores = {}
    for path, metrics in spec["evaluations"]:
        for representation in spec["representations"]:
            missing = [m for m in metrics if not os.path.exists(run.eval_results(m, representation))]
            if missing:
                gin.clear_config()
                common.parse_gin([*spec["files"], path], [*spec["bindings"], *spec["evaluation_bindings"]])
                if model is None:
                    model = keras.saving.load_model(run.model)
                seed = _bound("evaluate.seed", None)
                seed = train_seed if seed is None else seed
                evaluation.evaluate_model(model, config.dataset(), missing, seed, run, representation)
            for name in metrics:
                scores.setdefault(representation, {})[name] = io.read_json(run.eval_results(name, representation))["values"]
    return scores


def versions():
    """The versions of kvae, TensorFlow, Keras and scikit-learn in this process."""
    import importlib.metadata as metadata

    import kvae

    found = {"kvae": kvae.__version__}  # its distribution is kvae-disentangle; the import name is kvae
    for name in ("tensorflow", "keras", "scikit-learn"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def _bound(name, default):
    try:
        return gin.query_parameter(name)
    except ValueError:
        return default


def execute(study_dir, spec, *after):
    """Trains and evaluates one run of a study; returns its record for the manifest.

    `after` are the records of the runs this one depends on (Ray passes them once those have finished).

    A run whose training or evaluation was interrupted continues where it stopped (its newest
    checkpoint, the evaluations not yet written); a complete run returns at once.
    """
    from kvae.run_directory import RunDirectory

    model_num = spec["model_num"]
    run = RunDirectory(run_directory(study_dir, model_num))
    log_file = log_path(study_dir, model_num)
    attempt = _attempt(log_file)
    record = {"model_num": model_num, "host": socket.gethostname(), "pid": os.getpid(), "attempts": attempt}
    started = time.time()
    with _redirected(log_file) as log:
        print(f"== kvae-study run {model_num} attempt {attempt}: pid {os.getpid()} on {record['host']}", flush=True)
        try:
            failed = [r["model_num"] for r in after if r.get("status") != "finished"]
            if failed:
                raise KvaeError(f"run {model_num} needs runs {failed}, which failed")
            _configure_devices()
            from kvae.cli import common

            gin.clear_config()
            common.parse_gin(spec["files"], spec["bindings"])
            seed = _bound("train.seed", 0)
            if not run.is_finished():
                checkpoint = run.latest_checkpoint()
                print(f"resuming from {checkpoint}" if checkpoint else "starting from scratch", flush=True)
                from kvae import training

                training.train(run.root)
            scores = _evaluate(run, spec, seed)
            from kvae import io
            from kvae.studies import hparams

            train_results = io.read_json(run.train_results)
            hparams.write(run.tensorboard, str(model_num), spec["hparams"], scores, train_results.get("steps"))
            record.update(status="finished", error=None, versions=versions())
        except Exception as error:  # the run failed; the study goes on and reports it
            import traceback

            traceback.print_exc(file=log)
            first = first_line(error)
            record.update(status="failed", error=f"{type(error).__name__}: {first}" if not isinstance(error, KvaeError) else first)
        finally:
            gin.clear_config()
            print(f"== {record.get('status')} after {time.time() - started:.1f} s", flush=True)
    record["seconds"] = time.time() - started
    return record
