"""Procedural ground-truth datasets: images are drawn from factors with tf ops."""

import tensorflow as tf

from kvae.data.ground_truth import GroundTruthData

__all__ = ["ProceduralData", "gather_values", "pixel_grid"]


class ProceduralData(GroundTruthData):
    """A ground-truth dataset rendered on the fly from its factors, so nothing sits in RAM.

    Subclasses implement only `render_tf` (vectorised tf ops over the batch,
    usable inside a tf.data graph or a training step); the NumPy `render` runs
    it as a traced tf.function (several times faster than eager ops for the
    metrics' large samples). Images are float32 in [0, 1].
    """

    trace_render = True


def pixel_grid(height, width):
    """Pixel-centre coordinates: rows [1, H, 1] and columns [1, 1, W], float32."""
    rows = tf.range(height, dtype=tf.float32)[None, :, None] + 0.5
    cols = tf.range(width, dtype=tf.float32)[None, None, :] + 0.5
    return rows, cols


def gather_values(values, factors, column):
    """Looks up the continuous value of factor `column` for every row: [N] float32."""
    return tf.gather(tf.constant(values, tf.float32), factors[:, column])
