"""Hyperparameter schedules: values at known steps, in the traced step, every frame, .keras, gin, resumes."""

import math
import os

import gin
import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import kvae.config  # noqa: F401  (registers the gin names)
from kvae import frames, nets, schedules
from kvae.cli import common
from kvae.errors import KvaeError
from kvae.run_directory import RunDirectoryError
from kvae.testing import check_round_trip, small_frame, xysquares_images

R = math.sqrt(0.5)  # cos(pi / 4)


@pytest.fixture(autouse=True)
def no_gin_bindings_left():
    yield
    gin.clear_config()


# Each schedule's values at known steps, computed by hand.
VALUES = {
    "constant": (schedules.Constant(3.0), {0: 3.0, 1: 3.0, 10**6: 3.0}),
    "linear": (
        schedules.Linear(1.0, 5.0, end_step=110, start_step=10),
        {0: 1.0, 10: 1.0, 35: 2.0, 60: 3.0, 109: 4.96, 110: 5.0, 10**6: 5.0},
    ),
    "linear, falling": (schedules.Linear(4.0, 0.0, end_step=8), {0: 4.0, 2: 3.0, 4: 2.0, 8: 0.0, 9: 0.0}),
    "cyclic": (
        schedules.Cyclic(0.0, 2.0, period=100, cycles=2),
        {0: 0.0, 25: 1.0, 50: 2.0, 99: 2.0, 100: 0.0, 110: 0.4, 199: 2.0, 200: 2.0, 10**6: 2.0},
    ),
    "cyclic sawtooth": (
        schedules.Cyclic(1.0, 3.0, period=10, ramp=1.0),
        {0: 1.0, 5: 2.0, 9: 2.8, 10: 1.0, 1005: 2.0},
    ),
    "cyclic cosine": (
        schedules.Cyclic(0.0, 2.0, period=100, ramp=1.0, shape="cosine", start_step=50),
        {0: 0.0, 50: 0.0, 75: 1 - R, 100: 1.0, 125: 1 + R, 150: 0.0},
    ),
    "cosine": (
        schedules.Cosine(1.0, 3.0, period=8),
        {0: 1.0, 1: 2 - R, 2: 2.0, 4: 3.0, 6: 2.0, 8: 1.0, 12: 3.0},
    ),
    "cosine, delayed": (
        schedules.Cosine(0.0, 1.0, period=4, start_step=10),
        {0: 0.0, 10: 0.0, 11: 0.5, 12: 1.0, 13: 0.5, 14: 0.0},
    ),
}


@pytest.mark.parametrize("name", VALUES)
def test_values_at_known_steps_eagerly_and_in_a_traced_function(name):
    schedule, expected = VALUES[name]
    steps = list(expected)
    values = [float(schedule(step)) for step in steps]
    np.testing.assert_allclose(values, list(expected.values()), rtol=1e-6, atol=1e-6)
    iterations = keras.Variable(0, dtype="int64")  # what the optimizer counts in
    traced = tf.function(lambda: schedule(iterations))
    for step, value in expected.items():
        iterations.assign(step)
        result = traced()
        assert result.dtype == tf.float32 and result.shape == ()
        np.testing.assert_allclose(float(result), value, rtol=1e-6, atol=1e-6)


def conv_nets():
    return nets.ConvEncoder(4, (64, 64, 1)), nets.ConvDecoder((64, 64, 1))


def test_registry_gin_names_and_keras_serialisation():
    assert schedules.SCHEDULES.names() == ["constant", "cosine", "cyclic", "linear"]
    gin.clear_config()
    try:
        gin.parse_config(
            "BetaVAE.beta = @beta/cyclic_schedule()\nbeta/cyclic_schedule.start = 1.0\n"
            "beta/cyclic_schedule.end = 5.0\nbeta/cyclic_schedule.period = 8"
        )
        model = gin.get_configurable("BetaVAE")(*conv_nets())
    finally:
        gin.clear_config()
    assert type(model.beta) is schedules.Cyclic and model.beta.get_config() == {
        "start": 1.0,
        "end": 5.0,
        "period": 8,
        "ramp": 0.5,
        "shape": "linear",
        "cycles": None,
        "start_step": 0,
    }
    serialized = schedules.serialize(model.beta)
    assert serialized["registered_name"] == "kvae>Cyclic" and schedules.serialize(4.0) == 4.0
    assert repr(schedules.deserialize(serialized)) == repr(model.beta)


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: schedules.Linear(0.0, 1.0, end_step=5, start_step=5),
            "Linear: end_step must be an integer >= 6, got 5",
        ),
        (lambda: schedules.Linear("0", 1.0, end_step=5), "Linear: start must be a number, got '0' (str)"),
        (
            lambda: schedules.Cyclic(0.0, 1.0, period=10, ramp=0),
            "Cyclic: ramp must be a finite number in (0, 1], got 0",
        ),
        (
            lambda: schedules.Cyclic(0.0, 1.0, period=10, shape="square"),
            "Cyclic: shape must be one of 'linear', 'cosine', got 'square' (str)",
        ),
        (
            lambda: schedules.Cyclic(0.0, 1.0, period=10, cycles=0),
            "Cyclic: cycles (None: for ever) must be an integer >= 1, got 0",
        ),
        (lambda: schedules.Cosine(0.0, 1.0, period=0), "Cosine: period must be an integer >= 1, got 0"),
        (lambda: schedules.Constant(float("inf")), "Constant: value must be a finite number, got inf"),
    ],
)
def test_bad_arguments_are_one_line_errors(make, message):
    with pytest.raises(KvaeError) as raised:
        make()
    assert str(raised.value) == message


# Every frame's scalar hyperparameters: (frame, name, a value, other arguments).
HYPERPARAMETERS = [
    (frames.BetaVAE, "beta", 4.0, {}),
    (frames.GroupedVAE, "beta", 2.0, {}),
    (frames.FactorVAE, "gamma", 10.0, {}),
    (frames.AnnealedVAE, "gamma", 100.0, {}),
    (frames.AnnealedVAE, "capacity", 5.0, {}),
    (frames.BetaTCVAE, "beta", 6.0, {"dataset_size": 1000}),
    (frames.BetaTCVAE, "alpha", 2.0, {"dataset_size": 1000, "decomposed": True}),
    (frames.BetaTCVAE, "gamma", 3.0, {"dataset_size": 1000, "decomposed": True}),
    (frames.DIPVAE, "lambda_od", 10.0, {}),
    (frames.DIPVAE, "lambda_d_factor", 5.0, {"dip_type": "ii"}),
]


@pytest.mark.parametrize(
    "cls, name, value, kwargs", HYPERPARAMETERS, ids=lambda p: getattr(p, "__name__", None)
)
def test_a_constant_schedule_gives_the_terms_of_its_number_and_is_logged(cls, name, value, kwargs):
    x = xysquares_images(4)
    plain = small_frame(cls, **{name: value}, **kwargs)
    scheduled = small_frame(cls, **{name: schedules.Constant(value)}, **kwargs)
    scheduled.set_weights(plain.get_weights())
    assert getattr(plain, name if name != "capacity" else "capacity_schedule") == value  # a number stays one
    mine, theirs = plain.compute_terms(x), scheduled.compute_terms(x)
    for term in mine:
        np.testing.assert_allclose(np.asarray(theirs[term]), np.asarray(mine[term]), rtol=1e-6, err_msg=term)
    assert float(theirs[name]) == value
    logs = scheduled.test_step(x)
    assert float(logs[name]) == value


def test_the_step_follows_the_optimizer_and_the_logs_show_each_steps_value(tmp_path):
    x = xysquares_images(8)
    model = small_frame(frames.BetaVAE, beta=schedules.Linear(0.0, 8.0, end_step=8))
    assert float(model.current(model.beta)) == 0.0 and float(model.current(4.0)) == 4.0
    history = model.fit(x, batch_size=4, epochs=3, shuffle=False, verbose=0).history
    # each step uses the value at the step it starts at: steps (0, 1), (2, 3), (4, 5) averaged per epoch
    np.testing.assert_allclose(history["beta"], [0.5, 2.5, 4.5], rtol=1e-6)
    assert int(model.step.numpy()) == 6
    terms = model.regularizer(np.float32(2.0), None, None, None)
    np.testing.assert_allclose(float(terms), 6.0 * 2.0, rtol=1e-6)  # beta at step 6 is 6
    loaded = check_round_trip(model, str(tmp_path / "beta.keras"), x[:4])
    assert repr(loaded.beta) == repr(model.beta) and loaded.scheduled == {"beta": loaded.beta}


def test_a_resume_mid_ramp_continues_the_schedule_bit_for_bit(tmp_path):
    x = xysquares_images(8)

    def fresh():
        keras.utils.set_random_seed(3)
        return small_frame(frames.FactorVAE, gamma=schedules.Cyclic(0.0, 20.0, period=6, ramp=0.5))

    uninterrupted = fresh()
    whole = uninterrupted.fit(x, batch_size=4, epochs=4, shuffle=False, verbose=0).history
    first = fresh()
    half = first.fit(x, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    first.save(tmp_path / "ckpt.keras")
    resumed = keras.saving.load_model(tmp_path / "ckpt.keras")
    rest = resumed.fit(x, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    # gamma at steps 0..7: 0, 20/3, 40/3, 20, 20, 20, 0, 20/3
    np.testing.assert_allclose(whole["gamma"], [10 / 3, 50 / 3, 20.0, 10 / 3], rtol=1e-6)
    assert half["gamma"] + rest["gamma"] == whole["gamma"]
    for a, b in zip(resumed.get_weights(), uninterrupted.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_annealed_vae_ramp_is_a_linear_schedule_with_the_old_values_and_takes_another(tmp_path):
    model = small_frame(frames.AnnealedVAE, c_max=25.0, iteration_threshold=100000)
    assert repr(model.capacity_schedule) == "Linear(start=0.0, end=25.0, end_step=100000, start_step=0)"
    steps = np.array([0, 1, 3, 7, 25000, 33333, 77777, 99999, 100000, 300000])
    # disentanglement_lib's formula, as AnnealedVAE computed it before
    before = 25.0 * keras.ops.minimum(keras.ops.cast(steps, "float32") / 100000.0, 1.0)
    np.testing.assert_array_equal(np.asarray(model.capacity(steps)), np.asarray(before))

    cyclic = small_frame(frames.AnnealedVAE, capacity=schedules.Cosine(0.0, 10.0, period=4))
    values = [float(cyclic.capacity(s)) for s in range(5)]
    np.testing.assert_allclose(values, [0.0, 5.0, 10.0, 5.0, 0.0], atol=1e-5)
    x = xysquares_images(4)
    np.testing.assert_allclose(cyclic.fit(x, batch_size=2, verbose=0).history["capacity"], [2.5], atol=1e-5)
    loaded = check_round_trip(cyclic, str(tmp_path / "annealed.keras"), x)
    assert repr(loaded.capacity_schedule) == repr(cyclic.capacity_schedule)
    constant = small_frame(frames.AnnealedVAE, capacity=5.0)
    assert constant.capacity(1000) == 5.0 and "capacity" not in constant.scheduled


def test_bad_hyperparameters_name_the_frame_and_the_argument():
    with pytest.raises(KvaeError, match=r"^BetaVAE: beta must be a number >= 0, got '4' \(str\)$"):
        small_frame(frames.BetaVAE, beta="4")
    expected = r"^FactorVAE: gamma must be a number or a kvae.schedules.Schedule, got <"
    with pytest.raises(KvaeError, match=expected):
        small_frame(frames.FactorVAE, gamma=keras.saving.serialize_keras_object(keras.optimizers.Adam()))


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = [  # the bindings of the `train_here` fixture
    "train.batch_size = 8",
    "train.latent_dim = 4",
    "train.log_every = 2",
    "train.image_every = 1000",
    "train.checkpoint_every = 2",
    "train.eval_metrics = []",
    "train.verbose = 0",
    "BetaVAE.beta = @linear_schedule()",
    "linear_schedule.start = 0.0",
    "linear_schedule.end = 4.0",
    "linear_schedule.end_step = 4",
]


def logged_beta(model_dir):
    events = EventAccumulator(str(model_dir / "tensorboard"), size_guidance={"tensors": 0})
    events.Reload()
    return {e.step: float(tf.make_ndarray(e.tensor_proto)) for e in events.Tensors("train/beta")}


def test_a_gin_schedule_trains_logs_to_tensorboard_resumes_and_is_fixed_at_creation(tmp_path, train_here):
    direct, resumed = tmp_path / "direct", tmp_path / "resumed"
    result = train_here(direct, "train.steps = 6")["train"]
    assert result["eval_terms"]["beta"] == 4.0  # evaluated at step 6, past the ramp
    # the mean over the steps (0, 1), (2, 3), (4, 5) of the ramp 0, 1, 2, 3, 4, 4
    assert logged_beta(direct) == {2: 0.5, 4: 2.5, 6: 4.0}
    operative = (direct / "gin" / "operative.gin").read_text()
    assert "BetaVAE.beta = @linear_schedule()" in operative and "linear_schedule.end_step = 4" in operative

    train_here(resumed, "train.steps = 2")
    with pytest.raises(RunDirectoryError, match=r"linear_schedule.end: 4.0 -> 8.0"):
        train_here(resumed, "train.steps = 6", "linear_schedule.end = 8.0")
    train_here(resumed, "train.steps = 6")  # extends the finished run mid-ramp
    assert logged_beta(resumed) == logged_beta(direct)
    a, b = (keras.saving.load_model(d / "model.keras") for d in (direct, resumed))
    for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    "name, frame, attribute, expected",
    [
        ("beta_vae_warmup", "BetaVAE", "beta", {0: 0.0, 5000: 2.0, 10000: 4.0, 300000: 4.0}),
        (
            "beta_vae_cyclical",
            "BetaVAE",
            "beta",
            {0: 0.0, 18750: 2.0, 37500: 4.0, 75000: 0.0, 80000: 4 * 5000 / 37500, 300000: 4.0},
        ),
        (
            "factor_vae_warmup",
            "FactorVAE",
            "gamma",
            {0: 0.0, 5000: 0.0, 15000: 15.0, 25000: 30.0, 300000: 30.0},
        ),
    ],
)
def test_the_shipped_schedule_configs(name, frame, attribute, expected):
    model_config = {"BetaVAE": "beta_vae", "FactorVAE": "factor_vae"}[frame]
    common.parse_gin(
        [
            os.path.join(REPO, "gin_configs", path)
            for path in (f"models/{model_config}.gin", f"schedules/{name}.gin")
        ],
        [],
    )
    schedule = getattr(gin.get_configurable(frame)(*conv_nets()), attribute)
    values = [float(schedule(step)) for step in expected]
    np.testing.assert_allclose(values, list(expected.values()), rtol=1e-6)
