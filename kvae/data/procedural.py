"""Procedural ground-truth datasets: images are drawn from factors with tf ops."""

import tensorflow as tf

from kvae.data.ground_truth import GroundTruthData


class ProceduralData(GroundTruthData):
    """A ground-truth dataset rendered on the fly, so nothing sits in RAM.

    Subclasses implement only `render_tf` (vectorised tf ops over the batch,
    usable inside a tf.data graph); the NumPy `render` runs it as a traced
    tf.function (several times faster than eager ops for the metrics' large
    samples), so the two can never disagree. Images are float32 in [0, 1].
    """

    def render(self, factors):
        """Factor values [N, F] -> float32 images [N, H, W, C] in [0, 1]."""
        factors = tf.constant(self.check_factors(factors), tf.int64)
        if "_traced_render" not in self.__dict__:
            self._traced_render = tf.function(
                self.render_tf, input_signature=[tf.TensorSpec([None, self.num_factors], tf.int64)]
            )
        return self._traced_render(factors).numpy()

    def render_tf(self, factors):
        """Draws int64 factors [N, F] as float32 images [N, H, W, C] with tf ops."""
        raise NotImplementedError(f"{type(self).__name__} must implement render_tf")


def pixel_grid(height, width):
    """Pixel-centre coordinates: rows [1, H, 1] and columns [1, 1, W], float32."""
    rows = tf.range(height, dtype=tf.float32)[None, :, None] + 0.5
    cols = tf.range(width, dtype=tf.float32)[None, None, :] + 0.5
    return rows, cols


def gather_values(values, factors, column):
    """Looks up the continuous value of factor `column` for every row: [N] float32."""
    return tf.gather(tf.constant(values, tf.float32), factors[:, column])

