"""Training callbacks counted in optimizer steps: TensorBoard, checkpoints, stopping."""

import glob
import os

import keras
import numpy as np
import tensorflow as tf

from kvae import viz


class StepCallback(keras.callbacks.Callback):
    """A callback that knows the global step (the optimizer's iterations), also after a resume."""

    def on_train_begin(self, logs=None):
        self.step = int(self.model.optimizer.iterations.numpy())

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        self.on_step_end(self.step, logs or {})

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


class Checkpointer(StepCallback):
    """Saves `directory/ckpt-<step>.keras` (model and optimizer) every `every` steps and at the end.

    Keeps the newest `keep` checkpoints.
    """

    def __init__(self, directory, every=1000, keep=3):
        super().__init__()
        self.directory = directory
        self.every = int(every)
        self.keep = int(keep)
        self.saved_step = None

    def on_step_end(self, step, logs):
        if step % self.every == 0:
            self.save(step)

    def on_train_end(self, logs=None):
        if self.saved_step != self.step:
            self.save(self.step)

    def save(self, step):
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, f"ckpt-{step:09d}.keras")
        tmp = os.path.join(self.directory, f".tmp-ckpt-{step:09d}.keras")
        self.model.save(tmp)
        os.replace(tmp, path)
        self.saved_step = step
        for old in list_checkpoints(self.directory)[: -self.keep]:
            os.remove(old)


def list_checkpoints(directory):
    """Checkpoint paths in `directory`, oldest first."""
    return sorted(glob.glob(os.path.join(directory, "ckpt-*.keras")))


class TensorBoardLogger(StepCallback):
    """Writes every logged term, the learning rate and the KL of each latent every
    `scalar_every` steps, and reconstruction and traversal grids of `images`
    every `image_every` steps, with a writer of its own.

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

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.writer = tf.summary.create_file_writer(self.log_dir)

    def on_step_end(self, step, logs):
        if step % self.scalar_every == 0:
            self.write_scalars(step, logs)
        if step % self.image_every == 0:
            self.write_images(step)

    def on_train_end(self, logs=None):
        if self.writer is None:
            return
        self.write_images(self.step)
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
