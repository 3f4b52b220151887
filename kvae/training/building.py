"""Building a run's frame: its nets for the dataset and its optimizer, or the checkpoint it resumes from."""

import math

import keras

from kvae import config, distribute
from kvae.errors import KvaeError

__all__ = ["build", "learning_rate", "restore", "trained_steps"]


def build(settings, data, replicas):
    """The frame of `settings` with its nets for `data`, built, and the configured optimizer; seeded, with
    its variables on every replica of `replicas` (a `tf.distribute` strategy), in float32."""
    keras.utils.set_random_seed(settings.seed)
    with distribute.precision(settings.precision), replicas.scope():
        vae = settings.model(
            settings.encoder(latent_dim=settings.latent_dim, image_shape=data.observation_shape),
            settings.decoder(image_shape=data.observation_shape),
            reconstruction_loss=config.reconstruction_loss(),
            seed=settings.seed,
            **{name: fn(data) for name, fn in getattr(settings.model, "dataset_arguments", {}).items()},
        )
        vae.build((None,) + tuple(data.observation_shape))
        optimizer = config.optimizer()
    return vae, optimizer


def learning_rate(optimizer):
    """The optimizer's learning rate as a float; a one-line `KvaeError` unless it is positive and finite."""
    rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    if not (math.isfinite(rate) and rate > 0):
        raise KvaeError(f"optimizer.learning_rate: expected a positive number, got {rate!r}")
    return rate


def restore(vae, optimizer, run, settings, data, replicas):
    """The newest readable checkpoint of `run` (model, optimizer), else `vae` with `optimizer`; compiled."""
    keras.utils.set_random_seed(settings.seed)
    with distribute.precision(settings.precision), replicas.scope():
        resumed = run.load_latest_checkpoint(keras.saving.load_model)
        if resumed is not None:
            vae, optimizer = resumed, resumed.optimizer
        vae.compile(
            optimizer=optimizer,
            jit_compile=settings.jit_compile,
            steps_per_execution=settings.steps_per_execution,
        )
    if settings.render_on_device:
        vae.render_inputs = distribute.render_inputs(data)
    return vae


def trained_steps(vae):
    """The optimizer steps `vae` was trained for (0 before its first step)."""
    return int(vae.optimizer.iterations.numpy()) if vae.optimizer.built else 0
