"""Accelerators on the CPU: data parallelism over 2 logical devices, mixed precision, XLA and
steps_per_execution, on-device rendering, and the train arguments that choose them."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from kvae import distribute, frames, nets
from kvae.data import XYSquares, make_dataset, registry
from kvae.data.ground_truth import GroundTruthData
from kvae.errors import KvaeError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPE = (8, 8, 3)  # FC nets on tiny images: the cost of a step is the tracing, not the maths
MIRRORED_FRAMES = {
    "beta_vae": {"beta": 4.0},
    "factor_vae": {"gamma": 10.0, "discriminator_optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.05}}},
    "dip_vae": {"dip_type": "ii", "lambda_od": 5.0, "lambda_d_factor": 1.0},
    "beta_tcvae": {"beta": 6.0, "dataset_size": 4096, "sampling": "mss"},
    "ada_gvae": {"beta": 2.0},
}


def tiny_frame(name, seed=0, optimizer=None, **kwargs):
    """A compiled frame with FC nets on 8x8x3 images and 4 latents, initialised from `seed`."""
    cls = frames.FRAMES[name]
    if "dataset_size" in cls.dataset_arguments:
        kwargs.setdefault("dataset_size", 4096)
    keras.utils.set_random_seed(seed)
    model = cls(nets.FCEncoder(4, SHAPE), nets.FCDecoder(SHAPE), seed=seed, **kwargs)
    model.build((None,) + SHAPE)
    model.compile(optimizer=optimizer or keras.optimizers.SGD(0.05))
    return model


def tiny_batches(name, batches, batch_size, seed=0):
    """`batches` random batches of what frame `name` trains on, as a tf.data.Dataset."""
    rng = np.random.default_rng(seed)
    mode = frames.FRAMES[name].input_mode
    pair = (2,) if mode != "single" else ()
    x = rng.random((batches * batch_size,) + pair + SHAPE).astype("float32")
    if mode == "pair_with_labels":
        labels = (rng.random((len(x), 4)) < 0.5).astype("float32")
        return tf.data.Dataset.from_tensor_slices((x, labels)).batch(batch_size)
    return tf.data.Dataset.from_tensor_slices(x).batch(batch_size)


def _compare_mirrored(steps=3, batch_size=64):
    """In a process with 2 logical CPUs: each frame trained on one device and on both (MirroredStrategy)."""
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])  # one per process: its collectives are keyed
    report = {"replicas": mirrored.num_replicas_in_sync}
    for name, kwargs in MIRRORED_FRAMES.items():
        runs = []
        for strategy in (tf.distribute.get_strategy(), mirrored):
            with strategy.scope():
                model = tiny_frame(name, **kwargs)
            start = [np.asarray(w) for w in model.weights]
            logs = model.fit(tiny_batches(name, steps, batch_size), epochs=1, verbose=0).history
            runs.append(([np.asarray(w) for w in model.weights], start, {k: v[-1] for k, v in logs.items()}))
        (one, start, one_logs), (two, _, two_logs) = runs
        report[name] = {
            "difference": max(float(np.max(np.abs(a - b))) for a, b in zip(one, two)),
            "moved": max(float(np.max(np.abs(a - b))) for a, b in zip(one, start)),
            "logs": [one_logs, two_logs],
        }
    print(json.dumps(report))


def test_two_replicas_train_the_weights_of_one_device_on_the_global_batch():
    code = f"import sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); import test_accelerators as t; t._main()"
    result = subprocess.run(
        [sys.executable, "-c", code, "mirrored"], capture_output=True, text=True, timeout=600,
        stdin=subprocess.DEVNULL, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    for name in MIRRORED_FRAMES:
        entry = report[name]
        # SGD: a gradient N times too large (no loss scaling) would move the weights N times as far.
        assert entry["moved"] > 1e-3, (name, entry)
        assert entry["difference"] < 1e-3 * entry["moved"], (name, entry)
        one, two = entry["logs"]
        assert one.keys() == two.keys()
        for term in one:  # the replicas' running means aggregate to the one-device means
            np.testing.assert_allclose(two[term], one[term], rtol=1e-4, atol=1e-6, err_msg=f"{name} {term}")


BF16_DEFAULT = ("beta_vae", "factor_vae", "ada_gvae")  # one step, a second optimizer, pairs; the rest: -m slow


@pytest.mark.parametrize("names", [
    pytest.param(BF16_DEFAULT, id="default"),
    pytest.param(tuple(n for n in frames.FRAMES if n not in BF16_DEFAULT), id="others", marks=pytest.mark.slow),
])
def test_every_frame_trains_under_mixed_bfloat16_with_float32_variables_and_terms(names):
    previous = keras.config.dtype_policy().name
    for name in names:
        with distribute.precision("mixed_bfloat16"):
            model = tiny_frame(name, optimizer=keras.optimizers.Adam(1e-3))
        assert keras.config.dtype_policy().name == previous
        assert model.encoder.compute_dtype == "bfloat16" and model.encoder.mean.compute_dtype == "bfloat16", name
        logs = model.fit(tiny_batches(name, 2, 8), epochs=1, verbose=0).history
        assert all(np.isfinite(values[-1]) for values in logs.values()), (name, logs)
        assert {v.dtype for v in model.trainable_variables} == {"float32"}, name
        batch = next(iter(tiny_batches(name, 1, 8)))
        x, y = (batch, None) if not isinstance(batch, tuple) else batch
        terms = model.compute_terms(x, y=y)
        assert {keras.backend.standardize_dtype(terms[key].dtype) for key in ("loss", "reconstruction", "kl", "kl_per_latent")} == {"float32"}, name


def test_mixed_float16_scales_the_losses_of_both_optimizers_of_factor_vae():
    with distribute.precision("mixed_float16"):
        model = tiny_frame("factor_vae", optimizer=keras.optimizers.Adam(1e-3))
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(model.discriminator_optimizer, keras.optimizers.LossScaleOptimizer)
    logs = model.fit(tiny_batches("factor_vae", 3, 8), epochs=1, verbose=0).history
    assert all(np.isfinite(values[-1]) for values in logs.values()), logs
    # every step counts, also one whose scaled gradient overflowed (and was skipped by the scale)
    assert int(model.optimizer.iterations.numpy()) == 3
    assert float(model.optimizer.dynamic_scale.numpy()) <= 2.0**15


def test_xla_and_steps_per_execution_give_the_weights_of_the_plain_path():
    """K steps per execution run the same ops; XLA the same up to rounding, but with other Gaussian draws
    (TensorFlow's stateless generators differ inside XLA), so its weights are compared on the AE."""
    for name, cases in (("beta_vae", ((False, 1), (False, 4))), ("ae", ((False, 1), (True, 4)))):
        weights = []
        for jit_compile, steps_per_execution in cases:
            model = tiny_frame(name)
            model.compile(optimizer=keras.optimizers.SGD(5e-3), jit_compile=jit_compile,
                          steps_per_execution=steps_per_execution)
            start = [np.asarray(w) for w in model.weights]
            model.fit(tiny_batches(name, 8, 16).repeat(), steps_per_epoch=8, epochs=1, verbose=0)
            assert int(model.optimizer.iterations.numpy()) == 8
            weights.append([np.asarray(w) for w in model.weights])
        plain, fast = weights
        assert max(np.max(np.abs(a - b)) for a, b in zip(plain, start)) > 1e-3  # it trained
        for a, b in zip(plain, fast):
            np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7, err_msg=name)


@pytest.mark.parametrize("name", ["xysquares", "dsprites_procedural", "xyobject"])
def test_rendering_in_the_step_gives_the_images_of_the_pipeline(name):
    data = registry.get(name)
    render = tf.function(distribute.render_inputs(data), jit_compile=True)  # as inside an XLA step
    for mode in ("single", "pair"):
        expected = next(iter(make_dataset(data, 16, seed=3, mode=mode, with_factors=True, start=5)))
        factors = next(iter(make_dataset(data, 16, seed=3, mode=mode, render=False, start=5)))
        np.testing.assert_array_equal(factors.numpy(), expected[0].numpy())
        images = render(factors)
        assert images.dtype == tf.float32 and images.shape == expected[1].shape
        np.testing.assert_array_equal(images.numpy(), expected[1].numpy())


class _FileBacked(GroundTruthData):
    name, factor_sizes, observation_shape = "file_backed", (2,), (8, 8, 1)


def test_render_on_device_needs_a_procedural_dataset():
    with pytest.raises(KvaeError, match="render_on_device: expected a procedural dataset .* got 'file_backed'"):
        distribute.render_inputs(_FileBacked())
    distribute.check_renderable(XYSquares())


TINY = ["train.batch_size = 8", "train.latent_dim = 4", "train.log_every = 4", "train.image_every = 4",
        "train.checkpoint_every = 4", "train.eval_metrics = []", "train.verbose = 0", "train.steps = 8"]


def test_train_in_bfloat16_rendering_on_the_device(tmp_path, train_here):
    result = train_here(tmp_path / "run", "train.precision = 'mixed_bfloat16'", "train.render_on_device = True")
    assert result["train"]["status"] == "finished" and result["train"]["steps"] == 8
    assert all(np.isfinite(v) for v in result["train"]["eval_terms"].values())
    model = keras.saving.load_model(str(tmp_path / "run" / "model.keras"))
    assert model.encoder.compute_dtype == "bfloat16" and {v.dtype for v in model.trainable_variables} == {"float32"}
    assert sorted(os.listdir(tmp_path / "run" / "checkpoints")) == ["ckpt-000000004.keras", "ckpt-000000008.keras"]
    assert keras.config.dtype_policy().name == "float32"


def test_steps_per_execution_checkpoints_at_the_right_steps(tmp_path, train_here):
    train_here(tmp_path / "run", "train.steps_per_execution = 4", "train.steps = 16", "train.checkpoint_every = 8",
               "train.log_every = 8", "train.image_every = 8")
    assert sorted(os.listdir(tmp_path / "run" / "checkpoints")) == ["ckpt-000000008.keras", "ckpt-000000016.keras"]


@pytest.mark.parametrize("binding, message", [
    ("train.strategy = 'tpu'", "train.strategy: expected 'default' or 'mirrored' or 'multi_worker', got 'tpu'"),
    ("train.precision = 'float16'", "train.precision: expected 'float32' or 'mixed_bfloat16' or 'mixed_float16'"),
    ("train.steps_per_execution = 3", "train.steps: expected a multiple of train.steps_per_execution = 3, got 8"),
    ("train.render_on_device = 1", "train.render_on_device: expected True or False, got 1"),
    ("train.devices = '/gpu:0'", "strategy devices: expected a list of device names for 'mirrored', got '/gpu:0'"),
])
def test_bad_accelerator_arguments_fail_in_one_line_before_the_run_exists(tmp_path, binding, message, train_here):
    with pytest.raises(KvaeError) as error:
        train_here(tmp_path / "run", binding)
    assert message in str(error.value).splitlines()[0]
    assert not (tmp_path / "run").exists()


def _main():
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    _compare_mirrored()


MIRRORED_TRAIN = """
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import sys
from kvae import training
from kvae.cli import common
common.parse_gin(["models/beta_vae.gin", "datasets/xysquares.gin"], [
    "train.steps = 4", "train.batch_size = 8", "train.checkpoint_every = 2", "train.log_every = 2",
    "train.image_every = 4", "train.eval_metrics = []", "train.strategy = 'mirrored'",
    "train.devices = ['/cpu:0', '/cpu:1']", "train.verbose = 0"])
print(training.train(sys.argv[1])["train"]["steps"])
"""


def test_train_runs_under_mirrored_strategy_with_its_divergence_guard(tmp_path):
    """The user's path: `train.strategy = 'mirrored'` through kvae-train's train(), checkpoints and guard included."""
    result = subprocess.run(
        [sys.executable, "-c", MIRRORED_TRAIN, str(tmp_path / "run")], capture_output=True, text=True, timeout=600,
        stdin=subprocess.DEVNULL, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "4"
    assert sorted(os.listdir(tmp_path / "run" / "checkpoints")) == ["ckpt-000000002.keras", "ckpt-000000004.keras"]
