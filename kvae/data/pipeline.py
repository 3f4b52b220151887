"""tf.data pipelines: seeded, reproducible batches of ground-truth observations."""

import numpy as np
import tensorflow as tf

from kvae.data import registry
from kvae.data.ground_truth import GroundTruthData

MODES = ("single",)


def sample_factors_tf(factor_sizes, batch_size, seed):
    """Uniform factors [batch_size, F] (int64), a stateless function of `seed` (int64 [2])."""
    seed = tf.cast(seed, tf.int64)
    columns = [
        tf.random.stateless_uniform(
            [batch_size], tf.random.experimental.stateless_fold_in(seed, i), 0, size, dtype=tf.int64
        )
        for i, size in enumerate(factor_sizes)
    ]
    return tf.stack(columns, axis=-1)


def make_dataset(
    data,
    batch_size,
    seed,
    mode="single",
    standardize=False,
    repeat=True,
    num_parallel_calls=tf.data.AUTOTUNE,
    deterministic=True,
    with_factors=False,
    start=0,
):
    """Float32 NHWC batches of a ground-truth dataset, rendered in the graph.

    With `repeat=True` the dataset is infinite and batch `i` holds uniformly
    sampled factors that are a stateless function of `(seed, i)`, so any run
    with the same seed sees the same batches whatever the parallelism. With
    `repeat=False` it is one epoch: every element once, in a seeded order (the
    last batch may be smaller).

    Args:
        data: a `GroundTruthData` or a registered dataset name.
        batch_size: images per batch.
        seed: integer seed.
        mode: "single" (one image per example). "pair" comes later.
        standardize: False for images in [0, 1]; True to subtract the per-channel
            mean and divide by the std from `channel_stats(data, seed=0)`; or a
            `(mean, std)` pair of per-channel values.
        repeat: infinite sampling (True) or one shuffled epoch (False).
        num_parallel_calls, deterministic: passed to `Dataset.map`.
        with_factors: yield `(factors, images)` instead of `images`.
        start: index of the first batch of the infinite stream (a resumed run
            passes its step count and continues the stream it was reading).

    Returns:
        A `tf.data.Dataset` of images [B, H, W, C] (or `(factors, images)`),
        ready for `model.fit(ds, steps_per_epoch=...)`.
    """
    data = _as_data(data)
    if mode not in MODES:
        raise ValueError(f"make_dataset: mode {mode!r} is not implemented; available modes: {', '.join(MODES)}")
    normalize = _normalizer(data, standardize)

    def render(factors):
        images = normalize(_to_float_tf(data.render_tf(factors)))
        return (factors, images) if with_factors else images

    factors = factor_batches(data, batch_size, seed, repeat, num_parallel_calls, deterministic, start)
    ds = factors.map(render, num_parallel_calls=num_parallel_calls, deterministic=deterministic)
    return ds.prefetch(tf.data.AUTOTUNE)


def factor_batches(
    data, batch_size, seed, repeat=True, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True, start=0
):
    """int64 factor batches [B, F]: the sampling half of `make_dataset` (same arguments)."""
    data = _as_data(data)
    _check_batch_size(batch_size)
    seed = int(seed)
    if repeat:
        sizes = tuple(data.factor_sizes)
        batches = lambda i: sample_factors_tf(sizes, batch_size, tf.stack([tf.constant(seed, tf.int64), i]))
        ds = tf.data.Dataset.counter(start=int(start))
    else:
        order = tf.random.experimental.stateless_shuffle(tf.range(len(data), dtype=tf.int64), seed=[seed, 0])
        batches = lambda indices: index_to_factors_tf(data.factor_sizes, indices)
        ds = tf.data.Dataset.from_tensor_slices(order).batch(batch_size)
    return ds.map(batches, num_parallel_calls=num_parallel_calls, deterministic=deterministic)


def channel_stats(data, n=4096, seed=0, batch_size=256):
    """Per-channel mean and std (float32 [C] each) of `n` (rounded up to whole batches) sampled observations."""
    data = _as_data(data)

    def moments(images):
        pixels = tf.cast(tf.reshape(images, (-1, images.shape[-1])), tf.float64)
        return tf.reduce_sum(pixels, 0), tf.reduce_sum(tf.square(pixels), 0), tf.cast(tf.shape(pixels)[0], tf.float64)

    batches = make_dataset(data, batch_size, seed).take(-(-n // batch_size)).map(moments)
    total, total_sq, count = (np.sum(m, axis=0) for m in zip(*batches.as_numpy_iterator()))
    mean = total / count
    std = np.sqrt(np.maximum(total_sq / count - np.square(mean), 0.0))
    return mean.astype(np.float32), std.astype(np.float32)


def index_to_factors_tf(factor_sizes, indices):
    """Graph version of `GroundTruthData.index_to_factors`: int64 [N] -> int64 [N, F]."""
    dims = tf.constant(factor_sizes, tf.int64)
    return tf.transpose(tf.unravel_index(tf.cast(indices, tf.int64), dims))


def _to_float_tf(images):
    """uint8 -> float32 / 255; float images -> float32 (as `ground_truth.to_float`)."""
    if images.dtype == tf.uint8:
        return tf.cast(images, tf.float32) / 255.0
    return tf.cast(images, tf.float32)


def _as_data(data):
    if isinstance(data, str):
        return registry.get(data)
    if not isinstance(data, GroundTruthData):
        raise TypeError(f"expected a GroundTruthData or a dataset name, got {type(data).__name__}")
    return data


def _check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


def _normalizer(data, standardize):
    """The per-channel map applied to images in [0, 1]."""
    if standardize is False or standardize is None:
        return lambda images: images
    mean, std = channel_stats(data) if standardize is True else standardize
    channels = data.observation_shape[-1]
    mean, std = (np.broadcast_to(np.asarray(v, np.float32), (channels,)) for v in (mean, std))
    if np.any(std <= 0):
        raise ValueError(f"standardize: every channel std must be > 0, got {std.tolist()}")
    return lambda images: (images - mean) / std
