"""Seeded streams of factor batches and their images: the sampling half of every pipeline.

Batch `i` of a stream is a stateless function of `(seed, i)`, and so is every
draw of a stochastic dataset in it, so a run sees the same batches whatever the
parallelism, and a resumed run continues its stream from the batch it reached.
"""

import numpy as np
import tensorflow as tf

from kvae.data import noise
from kvae.data.arguments import check_int
from kvae.errors import KvaeError

__all__ = ["factor_batches", "observe", "sample_factors_tf"]


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


def factor_batches(
    data, batch_size, seed, repeat=True, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True, start=0
):
    """A `tf.data.Dataset` of (batch index, int64 factors [B, F]).

    With `repeat`, infinite: batch `i` (from `start`) holds uniform factors drawn
    from `(seed, i)`. Without, one epoch: every element once, in a seeded order
    (the last batch may be smaller).
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise KvaeError(f"batch_size must be a positive integer, got {batch_size!r}")
    seed = check_int("make_dataset", "seed", seed)
    if repeat:
        sizes = tuple(data.factor_sizes)

        def batch(i):
            return i, sample_factors_tf(sizes, batch_size, tf.stack([tf.constant(seed, tf.int64), i]))

        ds = tf.data.Dataset.counter(start=check_int("make_dataset", "start", start, low=0))
    else:
        order = tf.random.experimental.stateless_shuffle(tf.range(len(data), dtype=tf.int64), seed=[seed, 0])

        def batch(i, indices):
            return i, data.index_to_factors_tf(indices)

        ds = tf.data.Dataset.from_tensor_slices(order).batch(batch_size).enumerate()
    return ds.map(batch, num_parallel_calls=num_parallel_calls, deterministic=deterministic)


def observe(data, factors, seed, batch_index):
    """float32 images [N, H, W, C] in [0, 1] of the factors [N, F] of batch `batch_index` of stream `seed`.

    A stochastic dataset gets one draw id per image, a function of `(seed, batch_index, position)`.
    """
    draws = noise.mix(seed, batch_index, tf.range(tf.shape(factors)[0], dtype=tf.int64))
    return data.observations_tf(factors, draws)
