"""Counter-based random numbers for stochastic renderings: a pure function of (seed, key).

A stochastic dataset (Color-, Noisy-, Scream-dSprites, the uniform-noise
control of a perturbed dataset) draws its randomness from `uniform(keys, shape,
salt)`: every element of a batch gets its own integer key, so the noise of an
element does not depend on the batch it sits in, the batch size, the order or
the parallelism of the pipeline. The hash is Wellons' `lowbias32`, vectorised
with uint32 tf ops, so it runs inside the tf.data graph.
"""

import numpy as np
import tensorflow as tf

_GOLDEN = 0x9E3779B9


def hash32(x):
    """lowbias32 (C. Wellons): a bijective avalanche hash of uint32 tensors."""
    x = tf.cast(x, tf.uint32)
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, tf.constant(16, tf.uint32)))
    x = x * tf.constant(0x7FEB352D, tf.uint32)
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, tf.constant(15, tf.uint32)))
    x = x * tf.constant(0x846CA68B, tf.uint32)
    return tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, tf.constant(16, tf.uint32)))


def mix(*parts):
    """Hashes int64 tensors (broadcast together) into one int64 key in [0, 2^32)."""
    h = tf.constant(_GOLDEN, tf.uint32)
    for part in parts:
        part = tf.cast(part, tf.int64)
        low = tf.cast(tf.bitwise.bitwise_and(part, tf.constant(0xFFFFFFFF, tf.int64)), tf.uint32)
        high = tf.cast(tf.bitwise.right_shift(part, tf.constant(32, tf.int64)), tf.uint32)
        h = hash32(tf.bitwise.bitwise_xor(hash32(tf.bitwise.bitwise_xor(h, low)), high))
    return tf.cast(h, tf.int64)


def uniform(keys, shape, salt, low=0.0, high=1.0):
    """float32 [N, *shape] uniform in [low, high): a pure function of the int64 keys [N] and `salt`."""
    size = int(np.prod(shape, dtype=np.int64))
    element = tf.cast(mix(keys, salt), tf.uint32)[:, None]
    counter = tf.cast(tf.range(size, dtype=tf.int64), tf.uint32)[None, :] * tf.constant(_GOLDEN, tf.uint32)
    bits = hash32(element + counter)
    unit = tf.cast(tf.bitwise.right_shift(bits, tf.constant(8, tf.uint32)), tf.float32) * (1.0 / (1 << 24))
    return tf.reshape(low + (high - low) * unit, [-1, *shape])
