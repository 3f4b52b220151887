"""Kill -9 torture: a run killed at 10 points and resumed each time ends bit-identical to an uninterrupted
one.

    python benchmarks/kill_torture.py [--kills 10] [--seed 0] [--keep DIR]

Trains a small beta-VAE on XYSquares once without interruption, then the same run again, killing
`kvae-train` with SIGKILL at random moments of training (after the session's first checkpoint, so that
each session makes progress) and at the moments that matter most (while a checkpoint
is being written, while model.keras is being saved, during the evaluation), resuming it each time with
the same command. Asserts that the final weights, optimizer state, seed-generator state, MIG result,
images and step count equal the uninterrupted run's, bit for bit, and that TensorBoard holds each step
once. Exits non-zero on any difference.
"""

import argparse
import glob
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINDINGS = [
    "train.batch_size = 8",
    "train.latent_dim = 4",
    "train.steps = 150",
    "train.checkpoint_every = 7",
    "train.log_every = 5",
    "train.image_every = 20",
    "train.eval_metrics = ['mig']",
    "mig.num_train = 500",
    "train.verbose = 0",
]


def command(model_dir):
    configs = [
        os.path.join(REPO, "gin_configs", c) for c in ("models/beta_vae.gin", "datasets/xysquares.gin")
    ]
    return [
        sys.executable,
        "-m",
        "kvae.cli.train",
        f"--model_dir={model_dir}",
        *(f"--gin_config={c}" for c in configs),
        *(f"--gin_bindings={b}" for b in BINDINGS),
    ]


def start(model_dir):
    process = subprocess.Popen(
        command(model_dir),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    process.output, process.evaluating = [], threading.Event()

    def read():
        for line in process.stdout:
            process.output.append(line)
            if line.startswith("Evaluating "):
                process.evaluating.set()

    threading.Thread(target=read, daemon=True).start()
    return process


def writing(model_dir, what):
    """Whether a temporary file of `what` ("checkpoint" or "model") is being written right now."""
    pattern = (
        os.path.join(model_dir, "checkpoints", ".tmp-*")
        if what == "checkpoint"
        else os.path.join(model_dir, ".tmp-*model.keras")
    )
    return bool(glob.glob(pattern))


def run_until(model_dir, point, delay, timeout=900):
    """Starts the run and kills it with SIGKILL at `point`; returns what happened, in words."""
    process = start(model_dir)
    started, trained = time.time(), None
    before = set(glob.glob(os.path.join(model_dir, "checkpoints", "ckpt-*.keras")))
    while process.poll() is None and time.time() - started < timeout:
        now = time.time() - started
        if (
            trained is None
            and set(glob.glob(os.path.join(model_dir, "checkpoints", "ckpt-*.keras"))) - before
        ):
            trained = now  # this session has made progress: a random moment after it
        if (
            (point == "random" and trained is not None and now >= trained + delay)
            or (point in ("checkpoint", "model") and writing(model_dir, point))
            or (point == "evaluation" and process.evaluating.is_set() and now >= delay)
        ):
            process.send_signal(signal.SIGKILL)
            process.wait()
            return (
                f"killed at {now:5.1f} s "
                f"({point}{'' if point != 'random' else f', {delay:.2f} s after a new checkpoint'})"
            )
        time.sleep(0.0005)
    process.wait()
    if process.returncode != 0:
        raise SystemExit(f"the run failed (exit {process.returncode}):\n{''.join(process.output)[-3000:]}")
    return f"finished before the kill ({point}) at {time.time() - started:5.1f} s"


def state(model_dir):
    """Everything that must be bit-identical: weights, optimizer and seed state, MIG, images, steps."""
    import keras
    import numpy as np

    import kvae  # noqa: F401  (registers the frames)

    model = keras.saving.load_model(os.path.join(model_dir, "model.keras"))
    # by position: a second model loaded in one process gets uniquified variable paths
    arrays = [
        (v.path, np.asarray(v))
        for v in [*model.weights, *model.optimizer.variables, model.seed_generator.state]
    ]
    with open(os.path.join(model_dir, "results", "eval", "mean", "mig.json")) as f:
        mig = json.load(f)["values"]
    images = {}
    for path in sorted(glob.glob(os.path.join(model_dir, "images", "*.png"))):
        with open(path, "rb") as f:
            images[os.path.basename(path)] = f.read()
    with open(os.path.join(model_dir, "results", "train.json")) as f:
        steps = json.load(f)["steps"]
    return arrays, mig, images, steps


def tensorboard_steps(model_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(os.path.join(model_dir, "tensorboard"), size_guidance={"tensors": 0})
    events.Reload()
    return [e.step for e in events.Tensors("train/loss")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", help="write the two runs here instead of a temporary directory")
    args = parser.parse_args()
    root = args.keep or tempfile.mkdtemp(prefix="kvae-kill-torture-")
    reference, tortured = os.path.join(root, "uninterrupted"), os.path.join(root, "killed")
    rng = random.Random(args.seed)

    print(f"uninterrupted run: {run_until(reference, 'never', 0)}", flush=True)
    # random moments of training, and the phases that matter most: writes of checkpoints and model, evaluation
    points = ["random"] * max(0, args.kills - 4) + ["checkpoint", "checkpoint", "model", "evaluation"]
    points = sorted(
        points[: args.kills],
        key=lambda p: {
            "random": rng.random() * 0.8,
            "checkpoint": rng.random() * 0.8,
            "model": 0.9,
            "evaluation": 0.95,
        }[p],
    )
    kills = 0
    for i, point in enumerate(points, 1):
        outcome = run_until(tortured, point, rng.uniform(0, 1.5) if point == "random" else rng.uniform(0, 1))
        kills += outcome.startswith("killed")
        checkpoints = sorted(
            os.path.basename(p) for p in glob.glob(os.path.join(tortured, "checkpoints", "ckpt-*.keras"))
        )
        print(f"attempt {i:2d}: {outcome}; checkpoints now {checkpoints[-2:]}", flush=True)
        if outcome.startswith("finished"):
            break
    else:
        print(f"final resume: {run_until(tortured, 'never', 0)}", flush=True)

    (a, mig_a, images_a, steps_a), (b, mig_b, images_b, steps_b) = state(reference), state(tortured)
    import numpy as np

    differ = [name for (name, x), (_, y) in zip(a, b) if not np.array_equal(x, y)]
    problems = []
    if differ or len(a) != len(b):
        problems.append(f"{len(differ)} of {len(a)} arrays differ: {differ[:5]}")
    if mig_a != mig_b:
        problems.append(f"MIG differs: {mig_a.get('mig')} vs {mig_b.get('mig')}")
    if images_a != images_b:
        problems.append(f"images differ: {[n for n in images_a if images_a[n] != images_b.get(n)]}")
    if steps_a != steps_b:
        problems.append(f"steps differ: {steps_a} vs {steps_b}")
    logged = tensorboard_steps(tortured)
    if logged != sorted(set(logged)) or logged != tensorboard_steps(reference):
        problems.append(f"TensorBoard steps differ or repeat: {logged}")
    print(
        f"{kills} kills by SIGKILL; compared {len(a)} arrays (weights, optimizer, seed generator), "
        f"MIG {mig_a['mig']:.6f}, {len(images_a)} images, {steps_a} steps, {len(logged)} TensorBoard points"
    )
    if problems:
        print("NOT bit-identical: " + "; ".join(problems))
        sys.exit(1)
    print("bit-identical to the uninterrupted run")


if __name__ == "__main__":
    main()
