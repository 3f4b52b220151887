"""Training callbacks counted in optimizer steps: TensorBoard, checkpoints, stopping, the divergence guard."""

import glob
import math
import os
import sys

import keras
import numpy as np
import tensorflow as tf

from kvae import io, viz
from kvae.errors import KvaeError

__all__ = [
    "StepCallback", "StopAtStep", "StopOnRequest", "Checkpointer", "TensorBoardLogger", "DivergenceGuard",
    "Diverged", "list_checkpoints", "last_written_step",
]


class Diverged(KvaeError):
    """A loss term or a gradient became non-finite at `step` (`term` names it)."""

    def __init__(self, step, term):
        super().__init__(f"training diverged at step {step}: {term} is not finite")
        self.step, self.term = step, term


class StepCallback(keras.callbacks.Callback):
    """A callback that knows the global step (the optimizer's iterations), also after a resume."""

    def on_train_begin(self, logs=None):
        self.step = int(self.model.optimizer.iterations.numpy())

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        self.on_step_end(self.step, logs if logs is not None else {})

    def on_step_end(self, step, logs):
        pass


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
    """Writes every logged term, the learning rate and the KL of each latent every
    `scalar_every` steps, and reconstruction and traversal grids of `images`
    every `image_every` steps, with a writer of its own.

    A resumed run writes no step that an earlier session of the run already
    wrote, so TensorBoard shows each step once.

    Args:
        log_dir: TensorBoard directory.
        images: a fixed batch of float32 NHWC images shown in the grids.
        scalar_every: steps between scalar summaries.
        image_every: steps between image summaries.
    """

    def __init__(self, log_dir, images, scalar_every=100, image_every=1000):
        super().__init__()
        self.log_dir = log_dir
        self.images = np.asarray(images, np.float32)
        self.scalar_every = int(scalar_every)
        self.image_every = int(image_every)
        self.writer = None
        self.written = -1

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.written = last_written_step(self.log_dir)
        self.writer = tf.summary.create_file_writer(self.log_dir)

    def on_step_end(self, step, logs):
        if step <= self.written:
            return
        if step % self.scalar_every == 0:
            self.write_scalars(step, logs)
        if step % self.image_every == 0:
            self.write_images(step)

    def on_train_end(self, logs=None):
        if self.writer is not None and self.step > self.written:
            self.write_images(self.step)
        self.close()

    def close(self):
        """Flushes and closes the writer (also after an exception stopped training)."""
        if self.writer is not None:
            self.writer.flush()
            self.writer.close()
            self.writer = None

    def write_scalars(self, step, logs):
        optimizer = self.model.optimizer
        with self.writer.as_default(step=step):
            for name, value in logs.items():
                tf.summary.scalar(f"train/{name}", float(value))
            tf.summary.scalar("train/learning_rate", float(keras.ops.convert_to_numpy(optimizer.learning_rate)))
            kl_per_latent = keras.ops.convert_to_numpy(self.model.kl_per_latent.result())
            for i, value in enumerate(kl_per_latent):
                tf.summary.scalar(f"kl_per_latent/{i}", float(value))

    def write_images(self, step):
        with self.writer.as_default(step=step):
            tf.summary.image("reconstructions", viz.reconstruction_grid(self.model, self.images)[None])
            tf.summary.image("traversals", viz.traversal_grid(self.model, self.images)[None])


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
        self._dropped = tf.Variable(0, dtype=tf.int64, trainable=False)  # steps whose gradients were not finite
        self._broken = tf.Variable(False, trainable=False)  # an update made a weight non-finite
        self._seen = 0

    def set_model(self, model):
        super().set_model(model)
        optimizers = {id(value): value for value in vars(model).values() if isinstance(value, keras.optimizers.Optimizer)}
        optimizers[id(model.optimizer)] = model.optimizer
        for optimizer in optimizers.values():
            if not getattr(optimizer.apply_gradients, "kvae_guarded", False):
                optimizer.apply_gradients = self._guard(optimizer)

    def _guard(self, optimizer):
        apply_gradients = optimizer.apply_gradients

        def guarded(grads_and_vars):
            grads_and_vars = list(grads_and_vars)

            def apply():
                apply_gradients(grads_and_vars)
                return tf.constant(0, tf.int64)

            def drop():
                optimizer.iterations.assign_add(1)
                return tf.constant(1, tf.int64)

            self._dropped.assign_add(tf.cond(_all_finite(g for g, _ in grads_and_vars), apply, drop))
            self._broken.assign(tf.logical_or(self._broken, tf.logical_not(_all_finite(v for _, v in grads_and_vars))))

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
        print(f"kvae: step {step} skipped: {term} is not finite (train.on_nan = 'skip_step')", file=sys.stderr)
        for name in nonfinite:
            del logs[name]
        self.model.reset_metrics()


def _all_finite(tensors):
    return tf.reduce_all([tf.reduce_all(tf.math.is_finite(t)) for t in tensors])
