"""TensorBoard holds exact per-step values (not Keras' running means), eval/ terms, and counts steps per
execution."""

import keras
import numpy as np
import tensorflow as tf

from kvae import callbacks, frames, nets
from kvae.viz import model_figures

SHAPE = (8, 8, 1)
IMAGES = np.random.default_rng(0).uniform(size=(64,) + SHAPE).astype(np.float32)


class Recorder(keras.callbacks.Callback):
    """Keras' own logs after each batch, as Keras passes them (running means since the epoch began)."""

    def __init__(self):
        super().__init__()
        self.logs = []

    def on_train_batch_end(self, batch, logs=None):
        self.logs.append((batch, float(logs["loss"]), float(logs["kl"])))


def fit(log_dir, scalar_every, steps_per_epoch=3, steps=9, steps_per_execution=1, step_logs=True):
    keras.utils.set_random_seed(0)
    model = frames.BetaVAE(
        nets.FCEncoder(latent_dim=3, image_shape=SHAPE),
        nets.FCDecoder(image_shape=SHAPE),
        beta=2.0,
        reconstruction_loss="mse",
        seed=0,
    )
    model.build((None,) + SHAPE)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), steps_per_execution=steps_per_execution)
    recorder = Recorder()
    logger = callbacks.TensorBoardLogger(
        str(log_dir), IMAGES[:2], scalar_every=scalar_every, image_every=1000, heldout=IMAGES[-16:]
    )
    data = tf.data.Dataset.from_tensor_slices(IMAGES).batch(8).repeat()
    model.fit(
        data,
        steps_per_epoch=steps_per_epoch,
        epochs=steps // steps_per_epoch,
        verbose=0,
        shuffle=False,
        callbacks=[callbacks.StepLogs()] * step_logs + [recorder, logger],
    )
    return model, recorder, model_figures.read_scalars(str(log_dir))


def test_tensorboard_scalars_are_exact_step_values_and_window_means(tmp_path):
    _, recorder, every_step = fit(tmp_path / "a", scalar_every=1)
    steps, loss = every_step["train/loss"]
    assert steps.tolist() == list(range(1, 10))

    # Without StepLogs Keras' logs are running means; the first batch of each epoch is a step's own value.
    _, keras_logs, _ = fit(tmp_path / "keras", scalar_every=100, step_logs=False)
    firsts = [value for batch, value, _ in keras_logs.logs if batch == 0]
    np.testing.assert_allclose(loss[[0, 3, 6]], firsts, rtol=1e-5)
    running = [value for _, value, _ in keras_logs.logs]
    assert not np.allclose(
        loss, running, rtol=1e-3
    )  # what TensorBoard showed before: lagging, reset per epoch

    # Windows of 4 steps across epochs of 3: the exact mean of the steps since the previous point.
    _, _, windows = fit(tmp_path / "b", scalar_every=4)
    assert windows["train/loss"][0].tolist() == [4, 8]
    np.testing.assert_allclose(windows["train/loss"][1], [loss[0:4].mean(), loss[4:8].mean()], rtol=1e-5)
    np.testing.assert_allclose(windows["train/kl"][1][1], every_step["train/kl"][1][4:8].mean(), rtol=1e-5)
    kl_latents = sum(windows[f"kl_per_latent/{d}"][1] for d in range(3))
    np.testing.assert_allclose(kl_latents, windows["train/kl"][1], rtol=1e-4)

    # Two steps per execution: the same steps and the same means.
    _, _, executed = fit(tmp_path / "c", scalar_every=4, steps_per_epoch=4, steps=8, steps_per_execution=2)
    assert executed["train/loss"][0].tolist() == [4, 8]
    np.testing.assert_allclose(executed["train/loss"][1], windows["train/loss"][1], rtol=1e-4)


def test_eval_terms_are_those_of_the_held_out_batch(tmp_path):
    model, _, scalars = fit(tmp_path / "a", scalar_every=9)
    x = IMAGES[-16:]
    mean, logvar = (np.asarray(t, np.float64) for t in model.encode(x))
    x_hat = 1.0 / (1.0 + np.exp(-np.asarray(model.decode(mean), np.float64)))
    reconstruction = ((x - x_hat) ** 2).sum(axis=(1, 2, 3)).mean()
    kl = (0.5 * (mean**2 + np.exp(logvar) - logvar - 1.0)).mean(axis=0).sum()
    np.testing.assert_allclose(scalars["eval/reconstruction"][1], [reconstruction], rtol=1e-4)
    np.testing.assert_allclose(scalars["eval/kl"][1], [kl], rtol=1e-4)
    assert scalars["eval/reconstruction"][0].tolist() == [9]


def test_progress_lines_show_the_window_means_rounded_and_a_bar_redraws_one_line():
    import io

    stream = io.StringIO()
    progress = callbacks.Progress(total=4, batch_size=8, every=2, stream=stream)
    progress.step, progress.executed, progress.since, progress.since_step, progress.first = 0, 1, 0.0, 0, None
    for step, loss in zip(range(1, 5), (10.0, 20.0, 1.23456, 1.0)):
        progress.on_step_end(step, {"elbo": -loss, "kl": 0.5, "loss": loss, "reconstruction": loss - 0.5})
    lines = stream.getvalue().splitlines()
    assert [line.split("  ")[0] for line in lines] == ["step 2/4", "step 4/4"]
    assert "  loss 15  reconstruction 14.5  kl 0.5  ETA " in lines[0] and "elbo" not in lines[0]
    assert "  loss 1.117  reconstruction 0.6173  kl 0.5  ETA " in lines[1]

    bar = io.StringIO()
    progress = callbacks.Progress(total=4, batch_size=8, every=2, bar=True, stream=bar)
    progress.step, progress.executed, progress.since, progress.since_step = 0, 1, 0.0, 0
    for step in range(1, 5):
        progress.drawn_at = 0.0
        progress.on_step_end(step, {"loss": 1.0})
    progress.message("step 4 metrics (reduced sizes): mig 0.1")
    progress.on_train_end()
    assert bar.getvalue().count("\r") == 4 and bar.getvalue().endswith(
        "\nstep 4 metrics (reduced sizes): mig 0.1\n"
    )
