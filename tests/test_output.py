"""What a person reads: a quiet and fast `import kvae`, kvae-train's --help, its redirected progress lines,
metrics during training in TensorBoard, the HParams summary, results/train.json's context and
kvae-visualize."""

import json
import os
import subprocess
import sys

import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def python(*arguments, timeout=240):
    return subprocess.run(
        [sys.executable, *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"},
    )


def test_import_kvae_is_silent_and_loads_no_tensorflow_and_keras_still_finds_kvae_classes(tmp_path):
    result = python(
        "-c", "import sys, kvae; print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    assert result.returncode == 0 and result.stderr == "" and result.stdout.strip() == "[]"

    # A frame loads in a fresh process after a plain `import kvae`, with no TensorFlow start-up noise.
    from kvae import frames, nets

    model = frames.BetaVAE(nets.FCEncoder(2, (4, 4, 1)), nets.FCDecoder((4, 4, 1)), beta=3.0)
    model.build((None, 4, 4, 1))
    model.save(str(tmp_path / "m.keras"))
    load = f"import kvae, keras; print(type(keras.saving.load_model({str(tmp_path / 'm.keras')!r})).__name__)"
    result = python("-c", load)
    assert result.returncode == 0 and result.stdout.strip() == "BetaVAE" and result.stderr == "", (
        result.stderr
    )


def test_train_help_shows_the_description_and_kvae_flags():
    result = python("-m", "kvae.cli.train", "--help", timeout=60)  # absl exits with status 1 after --help
    assert result.stdout.startswith("kvae-train: train a frame from gin configs into a run directory.")
    for flag in ("--model_dir", "--gin_config", "--gin_bindings", "--[no]overwrite"):
        assert flag in result.stdout, flag
    assert "tensorflow" not in result.stdout.lower()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    model_dir = tmp_path_factory.mktemp("output") / "run"
    bindings = [
        "train.batch_size = 8",
        "train.latent_dim = 4",
        "train.steps = 6",
        "train.log_every = 2",
        "train.image_every = 6",
        "train.checkpoint_every = 6",
        "mig.num_train = 300",
        "train.eval_every = 3",
        "train.eval_metrics_during = ['mig', 'sap']",
        "BetaVAE.beta = 3.0",
    ]
    result = python(
        "-m",
        "kvae.cli.train",
        f"--model_dir={model_dir}",
        "--gin_config=gin_configs/models/beta_vae.gin",
        "--gin_config=gin_configs/datasets/xysquares.gin",
        *[f"--gin_bindings={b}" for b in bindings],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return model_dir, result


def test_redirected_progress_is_one_short_line_per_log_every_and_stderr_is_empty(run_dir):
    _, result = run_dir
    lines = result.stdout.splitlines()
    assert (
        max(len(line) for line in lines) < 300 and "\r" not in result.stdout and "\x1b" not in result.stdout
    )
    progress = [line for line in lines if line.startswith("step ") and "img/s" in line]
    assert [line.split()[1] for line in progress] == ["2/6", "4/6", "6/6"]
    assert all(" loss " in line and " kl " in line and " ETA " in line for line in progress)
    assert [line.split()[1] for line in lines if "metrics (reduced sizes)" in line] == ["3", "6"]
    final = next(line for line in lines if line.startswith("  mig: "))
    assert len(final.split(": ")[1]) <= 7  # 4 significant digits
    assert result.stderr == ""


def test_metrics_during_training_and_the_hparams_summary_reach_tensorboard(run_dir):
    model_dir, _ = run_dir
    events = EventAccumulator(str(model_dir / "tensorboard"), size_guidance={"tensors": 0})
    events.Reload()
    assert [e.step for e in events.Tensors("metrics/mig")] == [3, 6]
    assert [e.step for e in events.Tensors("metrics/sap.sap_score")] == [3, 6]
    assert [e.step for e in events.Tensors("eval/reconstruction")] == [2, 4, 6]
    assert [e.step for e in events.Tensors("traversals")] == [6]  # written once at a step that is both

    hparams = EventAccumulator(str(model_dir / "tensorboard" / "hparams"), size_guidance={"tensors": 0})
    hparams.Reload()
    mig = json.loads((model_dir / "results" / "eval" / "mean" / "mig.json").read_text())["values"]["mig"]
    import tensorflow as tf

    assert float(tf.make_ndarray(hparams.Tensors("final/mean/mig")[0].tensor_proto)) == pytest.approx(
        mig, rel=1e-6
    )

    train = json.loads((model_dir / "results" / "train.json").read_text())
    assert set(train["versions"]) == {"kvae", "tensorflow", "keras", "scikit-learn"} and train["timestamp"]
    assert (
        train["hyperparameters"]["BetaVAE.beta"] == 3.0 and train["hyperparameters"]["train.latent_dim"] == 4
    )
    assert train["hyperparameters"]["dataset"] == "xysquares" and train["metrics_during_training_seconds"] > 0


def test_kvae_visualize_writes_each_file(run_dir):
    model_dir, _ = run_dir
    images = model_dir / "images"
    for name in os.listdir(images):
        os.remove(images / name)
    result = python(
        "-m", "kvae.cli.visualize", f"--model_dir={model_dir}", "--num_points=200", "--num_bases=2"
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr[-2000:]
    written = set(os.listdir(images))
    assert {
        "traversals.png",
        "traversals.gif",
        "reconstructions.png",
        "samples.png",
        "kl_per_latent.png",
        "latents.png",
        "training_curves.png",
    } <= written
    assert {f"traversal_z{d}.gif" for d in range(4)} <= written
    for name in written:
        with Image.open(images / name) as image:
            assert image.size[0] > 100
    assert {line.strip() for line in result.stdout.splitlines()[1:]} == {
        str(images / name) for name in written
    }

    missing = python("-m", "kvae.cli.visualize", f"--model_dir={model_dir.parent / 'nothing'}")
    assert missing.returncode == 1 and missing.stderr.startswith("kvae-visualize: error: ")
