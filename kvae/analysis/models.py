"""Trained models as the analyses read them: a run directory's model and dataset, and batched passes."""

import os

import numpy as np

__all__ = ["encode_decode", "load_run", "posterior_sample"]


def encode_decode(model, batch_size=256):
    """A function images [N, H, W, C] -> (mean [N, D], logvar [N, D], reconstruction [N, H, W, C]), float32.

    The reconstruction is decoded from the posterior mean, in data space. The
    encoder and decoder run traced, `batch_size` images at a time.
    """
    import tensorflow as tf

    @tf.function(autograph=False, reduce_retracing=True)
    def forward(x):
        mean, logvar = model.encode(x, training=False)
        return mean, logvar, model.reconstruction_loss.activation(model.decode(mean, training=False))

    def fn(images):
        outputs = [
            forward(np.asarray(images[start : start + batch_size], np.float32))
            for start in range(0, len(images), batch_size)
        ]
        return tuple(np.concatenate([np.asarray(o[i]) for o in outputs]) for i in range(3))

    return fn


def posterior_sample(model, data, num_points, rng, batch_size=256):
    """Encodes `num_points` random elements of `data`: (mean [N, D], logvar [N, D], factors [N, F])."""
    from kvae.metrics import _utils as utils
    from kvae.metrics import representation_function

    (mean, logvar), factors = utils.sample_codes(
        data,
        representation_function(model, mode="posterior", batch_size=batch_size),
        int(num_points),
        np.random.default_rng(rng),
        batch_size,
        posterior=True,
    )
    return mean, logvar, factors


def load_run(model_dir, gin_bindings=()):
    """(model, dataset) of a kvae run directory: its `model.keras` and the dataset its operative gin names.

    Args:
        model_dir: a run directory written by `kvae-train`.
        gin_bindings: extra bindings applied after the run's config (e.g. another dataset).
    """
    import gin
    import keras

    from kvae import config
    from kvae.cli.common import parse_gin
    from kvae.errors import KvaeError
    from kvae.run_directory import RunDirectory

    run = RunDirectory(model_dir)
    for path, what in ((run.gin, "gin/operative.gin"), (run.model, "model.keras")):
        if not os.path.exists(path):
            raise KvaeError(f"{model_dir} is not a finished kvae run: {what} not found at {path}")
    gin.clear_config()
    parse_gin([run.gin], list(gin_bindings))
    return keras.saving.load_model(run.model), config.dataset()
