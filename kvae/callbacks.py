"""Training callbacks counted in optimizer steps: per-step logs, progress, TensorBoard, checkpoints,
stopping, metrics during training, the divergence guard."""

import glob
import inspect
import logging
import math
import os
import shutil
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from kvae import io, losses
from kvae.errors import KvaeError

__all__ = [
    "StepCallback",
    "StepLogs",
    "Progress",
    "StopAtStep",
    "StopOnRequest",
    "Checkpointer",
    "TensorBoardLogger",
    "DivergenceGuard",
    "Diverged",
    "list_checkpoints",
    "last_written_step",
    "heldout_terms",
    "MetricsDuringTraining",
]


class Diverged(KvaeError):
    """A loss term or a gradient became non-finite at `step` (`term` names it)."""

    def __init__(self, step, term):
        super().__init__(f"training diverged at step {step}: {term} is not finite")
        self.step, self.term = step, term


class StepCallback(keras.callbacks.Callback):
    """A callback that knows the global step (the optimizer's iterations), also after a resume.

    Keras calls it once per execution of the train function; `executed` is the number of steps of
    that execution (`steps_per_execution`) and `on_step_end` gets the step the execution ended at.
    A subclass that overrides `on_train_batch_begin` calls `super()`'s.
    """

    def on_train_begin(self, logs=None):
        self.step = int(self.model.optimizer.iterations.numpy())
        self.executed = 1

    def on_train_batch_begin(self, batch, logs=None):
        self._first_batch = batch

    def on_train_batch_end(self, batch, logs=None):
        self.executed = batch - getattr(self, "_first_batch", batch) + 1
        self.step += self.executed
        self.on_step_end(self.step, logs if logs is not None else {})

    def on_step_end(self, step, logs):
        pass


class StepLogs(StepCallback):
    """Makes the logs of each step hold that step's own values: resets the model's metrics before it.

    Keras' logs are running means since the epoch began (an epoch is `checkpoint_every` steps in
    `kvae.training`): they lag, and reset at every epoch boundary. Put this callback first. With
    `steps_per_execution` k, the logs are the mean over the k steps of the execution.
    """

    def on_train_batch_begin(self, batch, logs=None):
        super().on_train_batch_begin(batch, logs)
        self.model.reset_metrics()


class _Window:
    """Exact means, in float64, of per-step values over the steps added since the last `pop`."""

    def __init__(self):
        self.pop()

    def add(self, values, steps=1):
        for name, value in values.items():
            self.sums[name] = self.sums.get(name, 0.0) + np.asarray(value, np.float64) * steps
            self.counts[name] = self.counts.get(name, 0) + steps
        self.steps += steps

    def pop(self):
        """{name: mean over the steps since the last pop}; starts a new window."""
        means = {name: total / self.counts[name] for name, total in getattr(self, "sums", {}).items()}
        self.sums, self.counts, self.steps = {}, {}, 0
        return means


def _scalars(logs):
    return {name: float(value) for name, value in logs.items() if np.ndim(value) == 0}


class Progress(StepCallback):
    """Training progress on stdout: a bar on a terminal, or one line per `every` steps.

    A line holds the step, images per second, the mean of each logged term over the steps since
    the previous line (4 significant digits) and the time left, e.g.
    `step 500/3000  412 img/s  loss 128.6  reconstruction 104.2  kl 24.41  ETA 0:01:05`.

    Args:
        total: the run's last step.
        batch_size: images per step.
        every: steps between lines.
        bar: draw a bar redrawn in place (for a terminal) instead of lines.
        stream: where to write (stdout).
    """

    def __init__(self, total, batch_size, every=100, bar=False, stream=None):
        super().__init__()
        self.total, self.batch_size, self.every, self.bar = int(total), int(batch_size), int(every), bool(bar)
        self.stream = stream or sys.stdout
        self.window = _Window()
        self.drawn = False  # a bar is on the current line
        self.drawn_at = 0.0
        self.first = None  # (time, step) of the first line

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.since, self.since_step = time.time(), self.step

    def on_step_end(self, step, logs):
        self.window.add(_scalars(logs), self.executed)
        if self.bar and (time.time() - self.drawn_at > 0.1 or step >= self.total):
            self._draw(
                step, {name: total / self.window.counts[name] for name, total in self.window.sums.items()}
            )
        if step % self.every == 0 or step >= self.total:
            means = self.window.pop()
            if not self.bar:
                self.message(self.line(step, means))
            self.since, self.since_step = time.time(), step

    def on_train_end(self, logs=None):
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False

    def line(self, step, means):
        """`step S/T  R img/s  name value ...  ETA h:mm:ss` for the window that ends at `step`."""
        rate = (step - self.since_step) / max(time.time() - self.since, 1e-9)
        images = f"{rate * self.batch_size:.0f} img/s"
        return f"step {step}/{self.total}  {images}  {_terms(means)}  ETA {self._eta(step, rate)}"

    def _eta(self, step, rate):
        """Time left at the mean rate since the first line (the first window holds the compilation)."""
        if self.first is None:
            self.first = (time.time(), step)
        elif step > self.first[1]:
            rate = (step - self.first[1]) / max(time.time() - self.first[0], 1e-9)
        if rate <= 0:
            return "?"
        seconds = int(round((self.total - step) / rate))
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"

    def message(self, text):
        """Prints `text` on a line of its own (below the bar, which is redrawn at the next step)."""
        if self.drawn:
            self.stream.write("\n")
            self.drawn = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def _draw(self, step, means):
        width = shutil.get_terminal_size((100, 20)).columns
        done = min(step / self.total, 1.0)
        rate = (step - self.since_step) / max(time.time() - self.since, 1e-9)
        text = f" {step}/{self.total}  {_terms(means, 3)}  ETA {self._eta(step, rate)}"
        size = max(10, min(30, width - len(text) - 3))
        filled = int(done * size)
        self.stream.write(
            "\r" + f"[{'=' * filled}{'.' * (size - filled)}]{text}"[: width - 1].ljust(width - 1)
        )
        self.stream.flush()
        self.drawn, self.drawn_at = True, time.time()


ORDER = (
    "loss",
    "reconstruction",
    "kl",
    "regularizer",
)  # first in a progress line; elbo = -(reconstruction + kl) left out


def _terms(means, limit=None):
    names = sorted(
        (n for n in means if n != "elbo"), key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n)
    )
    return "  ".join(f"{name} {means[name]:.4g}" for name in names[:limit])


class StopAtStep(StepCallback):
    """Stops training when the global step reaches `steps`."""

    def __init__(self, steps):
        super().__init__()
        self.steps = int(steps)

    def on_step_end(self, step, logs):
        if step >= self.steps:
            self.model.stop_training = True


class StopOnRequest(StepCallback):
    """Stops training after the current step once `request(reason)` was called (e.g. by a signal handler)."""

    def __init__(self):
        super().__init__()
        self.reason = None

    def request(self, reason):
        self.reason = reason

    def on_step_end(self, step, logs):
        if self.reason is not None:
            self.model.stop_training = True


class Checkpointer(StepCallback):
    """Saves `directory/ckpt-<step>.keras` (model and optimizer) every `every` steps and at the end.

    Each save is atomic and synced (`kvae.io.atomic_path`). Keeps the newest `keep` checkpoints and
    calls `on_save(step)` after each save.
    """

    def __init__(self, directory, every=1000, keep=3, on_save=None):
        super().__init__()
        self.directory = directory
        self.every = int(every)
        self.keep = int(keep)
        self.on_save = on_save
        self.saved_step = None

    def on_step_end(self, step, logs):
        if step % self.every == 0:
            self.save(step)

    def on_train_end(self, logs=None):
        if self.saved_step != self.step:
            self.save(self.step)

    def save(self, step):
        with io.atomic_path(os.path.join(self.directory, f"ckpt-{step:09d}.keras")) as tmp:
            self.model.save(tmp)
        self.saved_step = step
        for old in list_checkpoints(self.directory)[: -self.keep]:
            os.remove(old)
        if self.on_save is not None:
            self.on_save(step)


def list_checkpoints(directory):
    """Checkpoint paths in `directory`, oldest first."""
    return sorted(glob.glob(os.path.join(directory, "ckpt-*.keras")))


def last_written_step(log_dir):
    """The largest step of any event in the TensorBoard files of `log_dir` (-1 when there is none)."""
    last = -1
    for path in glob.glob(os.path.join(log_dir, "events.out.tfevents.*")):
        try:
            for record in tf.data.TFRecordDataset(path):
                last = max(last, tf.compat.v1.Event.FromString(record.numpy()).step)
        except tf.errors.DataLossError:  # the last record of a killed writer
            pass
    return last


class TensorBoardLogger(StepCallback):
    """Writes TensorBoard summaries of training with a writer of its own.

    Every `scalar_every` steps: `train/<term>`, the exact mean of each logged term over the
    steps since the previous write (with `StepLogs` first among the callbacks, the logs are each
    step's own values, not Keras' running means); `train/learning_rate`; `kl_per_latent/<i>`,
    likewise averaged; and `eval/reconstruction` and `eval/kl` on the held-out batch
    (`heldout_terms`). Every `image_every` steps, and once at the end: the labelled
    reconstructions and latent traversals of `images`. Every `metrics_every` steps:
    `metrics/<name>` from `metrics(model, step)` (`MetricsDuringTraining`).

    A resumed run writes no step that an earlier session of the run already wrote, so
    TensorBoard shows each step once; its first window averages the steps after the resume.
    Each write is flushed: placed before the `Checkpointer`, no checkpoint holds a step whose
    summaries a kill -9 could lose (the resume would not write them again).

    Args:
        log_dir: TensorBoard directory.
        images: a fixed batch of float32 NHWC images shown in the grids.
        scalar_every: steps between scalar summaries.
        image_every: steps between image summaries.
        heldout: images not trained on for the `eval/` terms and the traversal ranges
            (default `images`).
        metrics: a callable (model, step) -> {name: value}, or None.
        metrics_every: steps between calls of `metrics`.
    """

    def __init__(
        self,
        log_dir,
        images,
        scalar_every=100,
        image_every=1000,
        heldout=None,
        metrics=None,
        metrics_every=None,
    ):
        super().__init__()
        self.log_dir = log_dir
        self.images = np.asarray(images, np.float32)
        self.heldout = self.images if heldout is None else np.asarray(heldout, np.float32)
        self.scalar_every = int(scalar_every)
        self.image_every = int(image_every)
        self.metrics = metrics
        self.metrics_every = int(metrics_every or 0)
        self.writer = None
        self.written = -1
        self.imaged = -1
        self.window = _Window()

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.written = last_written_step(self.log_dir)
        self.writer = tf.summary.create_file_writer(self.log_dir)
        self.window = _Window()

    def on_step_end(self, step, logs):
        if step <= self.written:
            return
        kl_per_latent = keras.ops.convert_to_numpy(self.model.kl_per_latent.result())
        self.window.add({**_scalars(logs), "kl_per_latent": kl_per_latent}, self.executed)
        if step % self.scalar_every == 0:
            self.write_scalars(step)
        if self.metrics is not None and self.metrics_every and step % self.metrics_every == 0:
            self.write_metrics(step)
        if step % self.image_every == 0:
            self.write_images(step)

    def on_train_end(self, logs=None):
        if self.writer is not None and self.step > self.written and self.step != self.imaged:
            self.write_images(self.step)
        self.close()

    def close(self):
        """Flushes and closes the writer (also after an exception stopped training)."""
        if self.writer is not None:
            self.writer.flush()
            self.writer.close()
            self.writer = None

    def write_scalars(self, step):
        means = self.window.pop()
        kl_per_latent = means.pop("kl_per_latent", None)
        learning_rate = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        with self.writer.as_default(step=step):
            for name, value in means.items():
                tf.summary.scalar(f"train/{name}", float(value))
            tf.summary.scalar("train/learning_rate", learning_rate)
            for i, value in enumerate([] if kl_per_latent is None else kl_per_latent):
                tf.summary.scalar(f"kl_per_latent/{i}", float(value))
            for name, value in heldout_terms(self.model, self.heldout).items():
                tf.summary.scalar(f"eval/{name}", value)
        self.writer.flush()

    def write_metrics(self, step):
        with self.writer.as_default(step=step):
            for name, value in self.metrics(self.model, step).items():
                tf.summary.scalar(f"metrics/{name}", value)
        self.writer.flush()

    def write_images(self, step):
        from kvae.viz import grids, model_figures, traversals

        figure = traversals.traversal_figure(self.model, self.images[:1], reference=self.heldout)
        with self.writer.as_default(step=step):
            tf.summary.image("reconstructions", grids.labelled_reconstructions(self.model, self.images)[None])
            tf.summary.image("traversals", model_figures.figure_array(figure)[None])
        self.writer.flush()
        self.imaged = step


def heldout_terms(model, x):
    """{"reconstruction", "kl"}: batch means on images `x` from the posterior mean, drawing no noise.

    The reconstruction decodes the posterior mean (so the model's seed generator, and with it
    the training, is untouched); the KL is the sum over latents of the batch-mean KL to the prior.
    """
    z_mean, z_logvar = model.encode(np.asarray(x, np.float32))
    reconstruction = keras.ops.mean(model.reconstruction_loss(x, model.decode(z_mean)))
    kl = keras.ops.sum(keras.ops.mean(losses.gaussian_kl(z_mean, z_logvar), axis=0))
    return {"reconstruction": float(reconstruction), "kl": float(kl)}


class MetricsDuringTraining:
    """Disentanglement metrics of the current model at reduced sample sizes: (model, step) -> {column: value}.

    Each metric runs with its gin bindings and the sizes of `SIZES` (a tenth of the study's,
    e.g. MIG on 1,000 points instead of 10,000), on posterior means, with the run's seed, so
    that successive values differ only by the model. Columns as in results/eval
    (`kvae.studies.columns.scalar_columns`, e.g. `mig`, `dci.disentanglement`), plus
    `seconds`, the time the metrics took. Drawing points leaves the training's random state
    alone.

    Args:
        data: the ground-truth dataset.
        names: metric names (`kvae.metrics.METRICS`).
        seed: seeds the metrics' sampling.
        report: called with a one-line summary after each evaluation (e.g. `Progress.message`).
    """

    SIZES = {
        "num_train": 1000,
        "num_test": 500,
        "num_eval": 500,
        "num_variance_estimate": 1000,
        "num_points": 1000,
        "num_data_points": 300,
    }

    def __init__(self, data, names, seed, report=None):
        from kvae import config

        self.data, self.seed, self.report = data, int(seed), report
        self.fns = {name: config.evaluation_metric(name) for name in names}
        self.seconds = 0.0

    def arguments(self, name):
        """The reduced sizes a metric gets (downstream: its training sizes up to 1,000)."""
        from kvae import metrics

        parameters = inspect.signature(metrics.get(name)).parameters
        sizes = {key: value for key, value in self.SIZES.items() if key in parameters}
        default = parameters["num_train"].default if "num_train" in parameters else None
        if isinstance(default, (tuple, list)):
            sizes["num_train"] = tuple(n for n in default if n <= self.SIZES["num_train"])
        return sizes

    def __call__(self, model, step):
        from kvae import evaluation, metrics
        from kvae.studies.columns import scalar_columns

        started = time.time()
        representation = metrics.representation_function(model, mode="posterior", seed=self.seed)
        quiet = logging.getLogger("kvae.metrics")
        level = quiet.level
        quiet.setLevel(logging.WARNING)  # no per-metric progress lines between the training lines
        try:
            columns = {}
            for name, fn in self.fns.items():
                values = fn(
                    self.data,
                    representation,
                    self.seed,
                    **self.arguments(name),
                    **evaluation.model_arguments(name, model),
                )
                columns.update(scalar_columns(name, values))
        finally:
            quiet.setLevel(level)
        seconds = time.time() - started
        self.seconds += seconds
        if self.report is not None:
            shown = "  ".join(f"{name} {value:.4g}" for name, value in columns.items())
            self.report(f"step {step} metrics (reduced sizes): {shown}  ({seconds:.1f} s)")
        return {**columns, "seconds": seconds}


class DivergenceGuard(StepCallback):
    """Never applies a non-finite gradient; stops at a non-finite loss term or gradient, or skips that step.

    It wraps `apply_gradients` of every optimizer of the model (FactorVAE's discriminator's too): a
    step whose gradients are not all finite leaves the weights and the optimizer's moments as they
    were and only advances the step counter, so the data order stays that of an uninterrupted run.
    With `on_nan="stop"` the first such step (or a step with a non-finite logged term) raises
    `Diverged` naming the step and the term; with `on_nan="skip_step"` training goes on, the step is
    reported on stderr and counted in `skipped`, and the running means restart after it. An update
    of finite gradients that makes a weight non-finite (the optimizer's own overflow) cannot be
    skipped: it raises `Diverged` in both modes, before any checkpoint of that step is written.
    """

    def __init__(self, on_nan="stop"):
        super().__init__()
        if on_nan not in ("stop", "skip_step"):
            raise KvaeError(f"on_nan: expected 'stop' or 'skip_step', got {on_nan!r}")
        self.on_nan = on_nan
        self.skipped = []
        self._dropped = tf.Variable(
            0, dtype=tf.int64, trainable=False
        )  # steps whose gradients were not finite
        self._broken = tf.Variable(False, trainable=False)  # an update made a weight non-finite
        self._seen = 0

    def set_model(self, model):
        super().set_model(model)
        optimizers = {
            id(value): value
            for value in vars(model).values()
            if isinstance(value, keras.optimizers.Optimizer)
        }
        optimizers[id(model.optimizer)] = model.optimizer
        for optimizer in optimizers.values():
            if not getattr(optimizer.apply_gradients, "kvae_guarded", False):
                optimizer.apply_gradients = self._guard(optimizer)

    def _guard(self, optimizer):
        apply_gradients = optimizer.apply_gradients

        def guarded(grads_and_vars):
            grads_and_vars = list(grads_and_vars)
            context = tf.distribute.get_replica_context()
            if context is not None and context.num_replicas_in_sync > 1:
                # MirroredStrategy forbids a tf.cond around the cross-replica update on CPUs: with several
                # replicas the logged terms are checked after the step instead (on_step_end), so a
                # non-finite loss still stops the run, but a step cannot be skipped.
                return apply_gradients(grads_and_vars)

            def apply():
                apply_gradients(grads_and_vars)
                return tf.constant(0, tf.int64)

            def drop():
                optimizer.iterations.assign_add(1)
                return tf.constant(1, tf.int64)

            self._dropped.assign_add(tf.cond(_all_finite(g for g, _ in grads_and_vars), apply, drop))
            self._broken.assign(
                tf.logical_or(self._broken, tf.logical_not(_all_finite(v for _, v in grads_and_vars)))
            )

        guarded.kvae_guarded = True
        return guarded

    def on_step_end(self, step, logs):
        if bool(self._broken.numpy()):
            raise Diverged(step, "a weight after the optimizer's update of finite gradients")
        dropped = int(self._dropped.numpy())
        if dropped == self._seen and math.isfinite(float(logs.get("loss", 0.0))):  # the loss sums the terms
            return
        nonfinite = [name for name, value in logs.items() if not math.isfinite(float(value))]
        self._seen = dropped
        # the terms before their sums: "kl" rather than "loss"; a gradient when every term is finite
        terms = sorted(nonfinite, key=lambda name: name in ("loss", "elbo", "regularizer"))
        term = terms[0] if terms else "the gradient of the loss"
        if self.on_nan == "stop":
            raise Diverged(step, term)
        self.skipped.append(step)
        print(
            f"kvae: step {step} skipped: {term} is not finite (train.on_nan = 'skip_step')", file=sys.stderr
        )
        for name in nonfinite:
            del logs[name]
        self.model.reset_metrics()


def _all_finite(tensors):
    return tf.reduce_all([tf.reduce_all(tf.math.is_finite(t)) for t in tensors])
