"""Pairs of observations that differ in k factors, for weakly supervised frames.

Locatello et al. 2020, "Weakly-supervised disentanglement without compromises":
the second element keeps all factors of the first but k, chosen uniformly;
k is fixed, or drawn uniformly from 1..F-1 per pair. Unlike disentanglement_lib's
sampler (the unseeded global NumPy RNG, and a changed factor redrawn so that it
may keep its value), pairs here are a pure function of the seed, and with
`distinct=True` (the default) every chosen factor takes a different value, so
exactly k factors differ; `distinct=False` redraws them as the original did.
"""

import numpy as np
import tensorflow as tf

from kvae.errors import KvaeError


def check_k(k, factor_sizes, distinct=True):
    """Returns k as an int (-1 for random), or raises a clear ValueError."""
    changeable = int(np.sum(np.asarray(factor_sizes) > 1)) if distinct else len(factor_sizes)
    if k is None or k == -1:
        if changeable < 1 or len(factor_sizes) < 2:
            raise KvaeError(
                f"random k needs at least 2 factors, {changeable} of which can change; got sizes "
                f"{tuple(factor_sizes)}"
            )
        return -1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= changeable:
        raise KvaeError(
            f"k must be None/-1 (random 1..F-1) or an integer in [1, {changeable}] "
            f"(factors that can change), got {k!r}"
        )
    return int(k)


def pair_factors_tf(first, factor_sizes, seed, k=1, distinct=True):
    """Second factors [B, F] for int64 `first` [B, F]: k factors changed, a stateless function of `seed`
    (int64 [2])."""
    k = check_k(k, factor_sizes, distinct)
    fold = lambda i: tf.random.experimental.stateless_fold_in(tf.cast(seed, tf.int64), i)
    batch, num = tf.shape(first)[0], len(factor_sizes)
    sizes = tf.constant(factor_sizes, tf.int64)
    can_change = tf.constant(np.asarray(factor_sizes) > 1 if distinct else np.ones(num, bool))
    if k == -1:
        most = min(num - 1, int(np.sum(np.asarray(factor_sizes) > 1)) if distinct else num - 1)
        counts = tf.random.stateless_uniform([batch], fold(1), 1, most + 1, dtype=tf.int64)
    else:
        counts = tf.fill([batch], tf.constant(k, tf.int64))
    keys = tf.where(can_change, tf.random.stateless_uniform([batch, num], fold(2)), 2.0)
    ranks = tf.argsort(tf.argsort(keys, axis=1), axis=1)
    chosen = tf.cast(ranks, tf.int64) < counts[:, None]
    unit = tf.random.stateless_uniform([batch, num], fold(3), dtype=tf.float64)
    if distinct:  # first + 1 + U{0..size-2} mod size: never the same value
        step = 1 + tf.cast(tf.floor(unit * tf.cast(sizes - 1, tf.float64)), tf.int64)
        new = tf.math.floormod(first + step, sizes)
    else:
        new = tf.minimum(tf.cast(tf.floor(unit * tf.cast(sizes, tf.float64)), tf.int64), sizes - 1)
    return tf.where(chosen, new, first)


def sample_pairs(data, n, rng, k=1, distinct=True):
    """NumPy pairs for metrics: factors [n, 2, F] drawn with a `numpy.random.Generator`."""
    sizes = np.asarray(data.factor_sizes)
    k = check_k(k, sizes, distinct)
    first = data.sample_factors(n, rng)
    can_change = sizes > 1 if distinct else np.ones(len(sizes), bool)
    most = min(len(sizes) - 1, int(can_change.sum()))
    counts = rng.integers(1, most + 1, n) if k == -1 else np.full(n, k)
    keys = np.where(can_change, rng.random((n, len(sizes))), 2.0)
    chosen = np.argsort(np.argsort(keys, axis=1), axis=1) < counts[:, None]
    if distinct:
        new = (first + 1 + (rng.random(first.shape) * (sizes - 1)).astype(np.int64)) % sizes
    else:
        new = rng.integers(0, sizes, first.shape)
    return np.stack([first, np.where(chosen, new, first)], axis=1)
