"""Study throughput: what Ray costs, and how to pack runs on a machine's cores (ratios measured in one run).

    python benchmarks/study_throughput.py            # the tiny study (4 runs of 100 steps) three ways
    python benchmarks/study_throughput.py --steps 300

Prints the wall time of the same runs (training, evaluations, HParams) done
  A. sequentially in one process, TensorFlow given all the cores (no Ray),
  B. by `kvae-study`, one run at a time with all the cores (--cpus_per_run = cores),
  C. by `kvae-study`, one run per core (--cpus_per_run = 1),
and the ratios B / A (Ray's overhead, target <= 1.1) and runs per hour of C vs B (packing).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SEQUENTIAL = """
import sys, time
from kvae.studies import load_study, runner, task
study = load_study("tiny", run_bindings=sys.argv[2:])
evaluations = study.validate(study.runs)
started = time.time()
for spec in runner.run_specs(study, study.runs, evaluations, sys.argv[1]):
    assert task.execute(sys.argv[1], spec)["status"] == "finished"
print(time.time() - started)
"""


def sequential(directory, bindings, cores):
    env = {**os.environ, **_threads(cores)}
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", SEQUENTIAL, directory, *bindings],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.time() - started, float(out.stdout.strip().splitlines()[-1])


def _threads(cores):
    from kvae.studies.task import thread_environment

    return thread_environment(cores)


def study(directory, bindings, cores, cpus_per_run):
    command = [
        sys.executable,
        "-m",
        "kvae.cli.study",
        "--study=tiny",
        f"--study_dir={directory}",
        f"--num_cpus={cores}",
        f"--cpus_per_run={cpus_per_run}",
        *[f"--gin_bindings={b}" for b in bindings],
    ]
    started = time.time()
    subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL)
    return time.time() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--steps", type=int, default=100, help="training steps per run (the tiny study's 100)"
    )
    parser.add_argument("--cores", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    bindings = [f"train.steps = {args.steps}"]
    runs = 4
    with tempfile.TemporaryDirectory() as tmp:
        a_total, a_runs = sequential(os.path.join(tmp, "a"), bindings, args.cores)
        b = study(os.path.join(tmp, "b"), bindings, args.cores, args.cores)
        c = study(os.path.join(tmp, "c"), bindings, args.cores, 1)
    print(f"tiny study, {runs} runs of {args.steps} steps with their evaluations, {args.cores} cores")
    rows = [
        (f"A  sequential in one process, {args.cores} threads", a_total),
        (f"B  kvae-study, {args.cores} CPUs per run", b),
        ("C  kvae-study, 1 CPU per run", c),
    ]
    for label, seconds in rows:
        print(f"{label:<45} {seconds:7.1f} s wall")
    print(f"   (A: {a_runs:.1f} s in the runs, {a_total - a_runs:.1f} s importing TensorFlow and validating)")
    print(f"Ray overhead B / A:            {b / a_total:.2f}  (target <= 1.1)")
    print(f"packing, runs per hour: C {runs * 3600 / c:.0f} vs B {runs * 3600 / b:.0f}  ({b / c:.2f}x)")


if __name__ == "__main__":
    main()
