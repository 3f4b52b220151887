"""kvae-train end to end: run directory, TensorBoard, resume, refusal and errors."""

import glob
import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import kvae  # noqa: F401

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = [
    "train.batch_size = 8",
    "train.latent_dim = 4",
    "train.log_every = 2",
    "train.image_every = 3",
    "train.checkpoint_every = 3",
    "mig.num_train = 300",
]


def kvae_train(model_dir, *bindings, configs=("models/beta_vae.gin", "datasets/xysquares.gin"), extra=()):
    command = [sys.executable, "-m", "kvae.cli.train", f"--model_dir={model_dir}", *extra]
    command += [f"--gin_config={os.path.join(REPO, 'gin_configs', c)}" for c in configs]
    command += [f"--gin_bindings={b}" for b in (*TINY, *bindings)]
    return command


def run(command, timeout=240):
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=REPO
    )


def test_run_directory_tensorboard_and_refusal(tmp_path):
    model_dir = tmp_path / "run"
    result = run(kvae_train(model_dir, "train.steps = 6", "BetaVAE.beta = 3.0"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Run directory:  {model_dir}" in result.stdout and "mig:" in result.stdout

    operative = (model_dir / "gin" / "operative.gin").read_text()
    assert "BetaVAE.beta = 3.0" in operative and "train.steps = 6" in operative
    assert (
        "mig.num_train = 300" in operative
    )  # the evaluation's settings too: written once the run is finished
    train = json.loads((model_dir / "results" / "train.json").read_text())
    assert train["status"] == "finished" and train["steps"] == 6 and train["model"] == "BetaVAE"
    assert len(train["kl_per_latent"]) == 4
    mig = json.loads((model_dir / "results" / "eval" / "mean" / "mig.json").read_text())
    assert 0.0 <= mig["values"]["mig"] <= 1.0 and len(mig["values"]["mig_per_factor"]) == 6
    assert mig["dataset"] == "xysquares" and mig["seed"] == 0
    for name in ("reconstructions", "traversals", "samples"):
        assert (model_dir / "images" / f"{name}.png").stat().st_size > 0
    assert sorted(os.listdir(model_dir / "checkpoints")) == ["ckpt-000000003.keras", "ckpt-000000006.keras"]

    model = keras.saving.load_model(str(model_dir / "model.keras"))
    assert int(model.optimizer.iterations.numpy()) == 6 and model.beta == 3.0

    events = EventAccumulator(
        glob.glob(str(model_dir / "tensorboard" / "events.*"))[0], size_guidance={"tensors": 0}
    )
    events.Reload()
    tags = set(events.Tags()["tensors"])
    for tag in (
        "train/loss",
        "train/reconstruction",
        "train/kl",
        "train/regularizer",
        "train/elbo",
        "train/learning_rate",
        "kl_per_latent/0",
        "reconstructions",
        "traversals",
    ):
        assert tag in tags, tag
    assert [e.step for e in events.Tensors("train/loss")] == [2, 4, 6]
    learning_rate = tf.make_ndarray(events.Tensors("train/learning_rate")[0].tensor_proto)
    np.testing.assert_allclose(learning_rate, 1e-4, rtol=1e-6)

    # A finished run is refused, untouched; --overwrite replaces it.
    before = (model_dir / "results" / "train.json").read_text()
    refused = run(kvae_train(model_dir, "train.steps = 6"))
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines()[-1].startswith("kvae-train: error: ")
    assert "finished run" in refused.stderr and "--overwrite" in refused.stderr
    assert (model_dir / "results" / "train.json").read_text() == before


def test_resume_after_an_interruption_continues_the_step_count(tmp_path):
    model_dir = tmp_path / "run"
    command = kvae_train(model_dir, "train.steps = 30", "train.log_every = 1000", "train.image_every = 1000")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    deadline = time.time() + 180
    while not glob.glob(str(model_dir / "checkpoints" / "ckpt-*.keras")) and time.time() < deadline:
        assert process.poll() is None, "training ended before its first checkpoint"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    checkpoints = sorted(glob.glob(str(model_dir / "checkpoints" / "ckpt-*.keras")))
    interrupted_at = int(os.path.basename(checkpoints[-1])[5:14])
    assert 0 < interrupted_at < 30
    killed = json.loads((model_dir / "results" / "train.json").read_text())
    assert killed["status"] == "running" and killed["steps"] <= interrupted_at

    result = run(command)
    assert result.returncode == 0, result.stderr[-3000:]
    train = json.loads((model_dir / "results" / "train.json").read_text())
    assert train["status"] == "finished" and train["steps"] == 30
    assert train["trained_steps_this_session"] == 30 - interrupted_at
    # train.json accumulates the sessions: the killed one up to its last record, then this one
    first, second = train["sessions"]
    assert (first["start_step"], second["start_step"], second["end_step"]) == (0, interrupted_at, 30)
    assert train["train_seconds_total"] == pytest.approx(first["seconds"] + second["seconds"])


@pytest.mark.parametrize(
    "binding,message",
    [
        ("reconstruction_loss.name = 'msee'", "unknown reconstruction loss 'msee'"),
        ("dataset.name = 'imagenet'", "unknown dataset 'imagenet'; known datasets: "),
        ("train.stepz = 3", "stepz"),
    ],
)
def test_bad_input_is_a_one_line_error(tmp_path, binding, message):
    model_dir = tmp_path / "run"
    result = run(kvae_train(model_dir, binding))
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("kvae-train: error: ") and message in last, result.stderr[-2000:]
    assert "xysquares" in last or "dataset" not in binding
    assert not (model_dir / "checkpoints").exists()


def test_missing_config_and_foreign_directory(tmp_path):
    result = run(kvae_train(tmp_path / "run", configs=("models/nope.gin",)))
    assert result.returncode != 0 and "nope.gin' not found" in result.stderr
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    result = run(kvae_train(foreign, "train.steps = 2"))
    assert result.returncode != 0 and "not a kvae run directory" in result.stderr
    assert (foreign / "thesis.tex").read_text() == "precious"
