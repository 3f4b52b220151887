"""Runs a study's runs as Ray tasks (the body of `kvae-study`).

Each run is one Ray task with `cpus_per_run` CPUs (and `gpus_per_run` GPUs, fractions allowed),
TensorFlow's and BLAS's thread pools sized to that share. A task whose worker dies is retried
`max_retries` times and resumes from the run's newest checkpoint. Runs that are already complete
(trained, every evaluation written) are skipped before Ray starts, so re-running the same command
finishes a study without doing any run twice.
"""

import logging
import os
import re
import sys
import time

from kvae.errors import KvaeError, first_line
from kvae.studies import task
from kvae.studies.manifest import Manifest

__all__ = ["run_study", "run_specs", "connect", "STUDY_DIR"]

# In a binding, `$STUDY_DIR` is the study directory; naming another run's directory
# (`$STUDY_DIR/runs/0/model.keras`) makes the run wait until that run has finished.
STUDY_DIR = "$STUDY_DIR"
_DEPENDENCY = re.compile(re.escape(STUDY_DIR) + r"/runs/(\d+)/")


def run_specs(study, runs, evaluations, study_dir):
    """The `task.RunSpec` of each run: what a worker needs to train and evaluate it."""
    base = dict(line.split("=", 1) for line in study.bindings if "=" in line)
    specs = []
    for run in runs:
        files, bindings = study.run_config(run.model_num)
        depends_on = sorted({int(n) for line in bindings for n in _DEPENDENCY.findall(line)})
        bindings = [line.replace(STUDY_DIR, os.path.abspath(study_dir)) for line in bindings]
        hparams = {name.strip(): value.strip() for name, value in base.items()}
        hparams.update(run.bindings)
        specs.append(
            task.RunSpec(
                model_num=run.model_num,
                files=files,
                bindings=[*bindings, "train.eval_metrics = []", "train.verbose = 2"],  # the study evaluates
                evaluations=evaluations,
                representations=study.representations,
                evaluation_bindings=[*study.evaluation_bindings, *study.run_bindings],
                hparams=hparams,
                swept=run.binding_lines(),
                depends_on=depends_on,
            )
        )
    return specs


def _check_reachable(address, timeout=5.0):
    """Fails at once for a HOST:PORT nothing listens on (Ray itself retries for minutes)."""
    import socket

    if address == "auto" or "://" in address:
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise KvaeError(f"--address: expected 'auto' or HOST:PORT of a Ray head node, got {address!r}")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as error:
        raise KvaeError(
            f"no Ray cluster at --address={address} ({error.strerror or error}); "
            "start one with `ray start --head`"
        ) from None


def connect(address=None, num_cpus=None, num_gpus=None):
    """Starts a local Ray in this process (`address=None`) or joins the cluster at `address` ("auto" or
    HOST:PORT).

    Raises:
        KvaeError: when no cluster answers at `address`.
    """
    import ray

    options = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    if address:
        _check_reachable(address)
        try:
            return ray.init(address=address, **options)
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise KvaeError(
                f"no Ray cluster at --address={address} ({first_line(error)}); "
                "start one with `ray start --head`"
            ) from None
    return ray.init(num_cpus=num_cpus or os.cpu_count(), num_gpus=num_gpus, **options)


def _bar(done, total, width=20):
    filled = int(width * done / total) if total else width
    return "[" + "#" * filled + "." * (width - filled) + "]"


def _clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def run_study(
    study,
    study_dir,
    model_nums=None,
    address=None,
    cpus_per_run=1.0,
    gpus_per_run=0.0,
    num_cpus=None,
    max_retries=3,
    out=sys.stdout,
):
    """Trains and evaluates the selected runs of `study` into `study_dir/runs/<model_num>/`.

    Args:
        study: a `kvae.studies.Study`.
        study_dir: the study directory (created; a directory of another study is refused).
        model_nums: the runs to execute (all when None).
        address: None for a local Ray started here, or "auto" / HOST:PORT of a running cluster.
        cpus_per_run, gpus_per_run: Ray resources of each run (gpus may be fractional: 0.25 puts 4 runs
            on a GPU).
        num_cpus: CPUs of the local Ray (default: all of this machine's).
        max_retries: how often a run whose worker died is started again (it resumes from its checkpoint).
        out: where progress lines go.

    Returns:
        The manifest's run records of the selected runs: {model_num: record}.
    """
    if cpus_per_run <= 0 or gpus_per_run < 0:
        raise KvaeError(
            f"cpus_per_run must be > 0 and gpus_per_run >= 0, got {cpus_per_run} and {gpus_per_run}"
        )
    runs = study.select(model_nums)
    evaluations = study.validate(runs)
    if address:
        _check_reachable(address)
    os.makedirs(study_dir, exist_ok=True)
    manifest = Manifest(study_dir, study)
    specs = run_specs(study, runs, evaluations, study_dir)
    todo = []
    for spec in specs:
        if task.is_complete(study_dir, spec):
            if manifest.runs.get(str(spec["model_num"]), {}).get("status") != "finished":
                manifest.runs[str(spec["model_num"])] = {"status": "finished", "bindings": spec["swept"]}
        else:
            manifest.runs[str(spec["model_num"])] = {
                **manifest.runs.get(str(spec["model_num"]), {}),
                "status": "pending",
                "bindings": spec["swept"],
            }
            todo.append(spec)
    waiting = {n for spec in todo for n in spec["depends_on"]} - {spec["model_num"] for spec in todo}
    for n in sorted(waiting):
        if not os.path.exists(os.path.join(task.run_directory(study_dir, n), "model.keras")):
            raise KvaeError(
                f"runs {[s['model_num'] for s in todo if n in s['depends_on']]} need run {n}'s model, "
                f"which is neither trained nor selected: add {n} to --model_num or run it first"
            )
    manifest.write()
    print(
        f"kvae-study: study {study.name}, {len(specs)} runs selected, {len(specs) - len(todo)} complete, "
        f"{len(todo)} to run",
        file=out,
        flush=True,
    )
    if todo:
        _execute(todo, study_dir, manifest, address, cpus_per_run, gpus_per_run, num_cpus, max_retries, out)
    return {spec["model_num"]: manifest.runs[str(spec["model_num"])] for spec in specs}


def _execute(specs, study_dir, manifest, address, cpus_per_run, gpus_per_run, num_cpus, max_retries, out):
    import ray

    connect(address, num_cpus)
    try:
        resources = ray.cluster_resources()
        print(
            f"Ray: {resources.get('CPU', 0):g} CPUs, {resources.get('GPU', 0):g} GPUs; "
            f"{cpus_per_run:g} CPU and {gpus_per_run:g} GPU per run; logs in "
            f"{os.path.join(study_dir, 'logs')}",
            file=out,
            flush=True,
        )
        remote = ray.remote(task.execute).options(
            num_cpus=cpus_per_run,
            num_gpus=gpus_per_run,
            max_retries=max_retries,
            retry_exceptions=False,
            runtime_env={"env_vars": task.thread_environment(cpus_per_run)},
        )
        study_dir = os.path.abspath(study_dir)
        pending, refs = {}, {}
        unsubmitted = list(specs)
        while unsubmitted:  # runs after the runs they depend on: Ray starts them once those have finished
            ready = [
                s
                for s in unsubmitted
                if all(n in refs or n not in {u["model_num"] for u in specs} for n in s["depends_on"])
            ]
            if not ready:
                raise KvaeError(
                    f"runs {[s['model_num'] for s in unsubmitted]} depend on each other in a cycle"
                )
            for spec in ready:
                after = [refs[n] for n in spec["depends_on"] if n in refs]
                refs[spec["model_num"]] = ref = remote.remote(study_dir, spec, *after)
                pending[ref] = spec
                manifest.runs[str(spec["model_num"])]["status"] = "running"
                unsubmitted.remove(spec)
        manifest.write()
        started, done = time.time(), 0
        while pending:
            [ready], _ = ray.wait(list(pending), num_returns=1)
            spec = pending.pop(ready)
            try:
                record = ray.get(ready)
            except ray.exceptions.RayError as error:  # the worker died more than max_retries times
                record = {
                    "status": "failed",
                    "error": f"worker lost after {max_retries} retries: {first_line(error)}",
                }
            done += 1
            manifest.update(spec["model_num"], record)
            elapsed = time.time() - started
            eta = elapsed / done * len(pending)
            status = (
                f"finished in {record.get('seconds', 0):.1f} s on {record.get('host')} "
                f"(attempt {record.get('attempts', 1)})"
                if record["status"] == "finished"
                else f"FAILED: {record.get('error')}"
            )
            print(
                f"{_bar(done, done + len(pending))} {done}/{done + len(pending)} run {spec['model_num']} "
                f"{status} | elapsed {_clock(elapsed)}, ETA {_clock(eta)}",
                file=out,
                flush=True,
            )
    finally:
        ray.shutdown()
