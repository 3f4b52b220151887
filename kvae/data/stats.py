"""Per-channel dataset statistics for standardised inputs, computed once and cached."""

import hashlib
import json
import os

import numpy as np
import tensorflow as tf

from kvae.data import files, sampling
from kvae.data.ground_truth import GroundTruthData
from kvae.data.registry import as_dataset
from kvae.io import write_atomic

__all__ = ["channel_stats", "config_key", "dataset_stats"]

_SCALARS = (bool, int, float, str, np.integer, np.floating)


def config_key(data):
    """A stable description of a dataset's configuration (class, scalar settings, source files).

    Recurses into wrapped datasets (e.g. `Perturbed.base`) and hashes the
    source file's path, size and time, so a changed file or setting gets new stats.
    """
    config = {"class": type(data).__name__}
    for name, value in sorted(vars(data).items()):
        if isinstance(value, GroundTruthData):
            config[name] = config_key(value)
        elif isinstance(value, _SCALARS) or (
            isinstance(value, tuple) and all(isinstance(v, _SCALARS) for v in value)
        ):
            config[name] = value.item() if isinstance(value, np.generic) else value
    path = getattr(data, "path", None)
    if isinstance(path, str) and os.path.exists(path):
        config["source"] = files.source_key([path])
    return config


def channel_stats(data, n=4096, seed=0, batch_size=256):
    """Per-channel mean and std (float32 [C] each) of `n` (rounded up to whole batches) sampled observations.

    The observations are the first batches of `make_dataset(data, batch_size, seed)`.
    """
    data = as_dataset(data)

    def moments(batch_index, factors):
        images = sampling.observe(data, factors, seed, batch_index)
        pixels = tf.cast(tf.reshape(images, (-1, images.shape[-1])), tf.float64)
        count = tf.cast(tf.shape(pixels)[0], tf.float64)
        return tf.reduce_sum(pixels, 0), tf.reduce_sum(tf.square(pixels), 0), count

    batches = sampling.factor_batches(data, batch_size, seed).take(-(-n // batch_size))
    batches = batches.map(moments, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    total, total_sq, count = (np.sum(m, axis=0) for m in zip(*batches.as_numpy_iterator()))
    mean = total / count
    std = np.sqrt(np.maximum(total_sq / count - np.square(mean), 0.0))
    return mean.astype(np.float32), std.astype(np.float32)


def dataset_stats(data, n=4096, seed=0, cache_dir=None):
    """Per-channel mean and std (float32 [C] each) of `n` sampled observations, cached.

    The first call computes them with `channel_stats` and writes
    `<cache>/stats-<name>-<hash>.json`, keyed by `config_key(data)`, `n` and
    `seed`; later calls read that file.
    """
    data = as_dataset(data)
    key = json.dumps({"data": config_key(data), "n": int(n), "seed": int(seed)}, sort_keys=True, default=str)
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    path = os.path.join(files.cache_dir(cache_dir), f"stats-{data.name}-{digest}.json")
    if os.path.exists(path):
        with open(path) as f:
            stats = json.load(f)
        return np.asarray(stats["mean"], np.float32), np.asarray(stats["std"], np.float32)
    mean, std = channel_stats(data, n=n, seed=seed)
    stats = {"config": json.loads(key), "mean": mean.tolist(), "std": std.tolist()}
    write_atomic(path, json.dumps(stats, indent=1))
    return mean, std
