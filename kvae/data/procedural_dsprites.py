"""Procedural dSprites (Matthey et al. 2017), drawn with implicit functions."""

import numpy as np
import tensorflow as tf

from kvae.data.procedural import ProceduralData, gather_values, pixel_grid
from kvae.data.registry import register


@register("dsprites_procedural")
class ProceduralDSprites(ProceduralData):
    """dSprites' factor grid rendered in the graph: 3 * 6 * 40 * 32 * 32 = 737280 images.

    Each sprite is an implicit shape (square, ellipse, heart) inside a circle of
    radius `sprite_radius * scale` pixels (20 px across at scale 1), rotated
    counter-clockwise by the orientation, and centred at
    `margin + position * (64 - 2 * margin)` pixels, so its centre moves over
    [10, 54] and every sprite stays inside the frame. `pos_x` moves it right,
    `pos_y` down. Pixels are sampled at their centres, so images are binary
    float32 [N, 64, 64, 1]. The factor values are the real file's: orientations
    `linspace(0, 2 pi, 40)` (so orientation 39 repeats orientation 0), scales
    `linspace(0.5, 1, 6)`, positions `linspace(0, 1, 32)`. This is a stand-in for the dSprites file, not a copy:
    shapes and extents match it only roughly.
    """

    name = "dsprites_procedural"
    factor_names = ("shape", "scale", "orientation", "pos_x", "pos_y")
    factor_sizes = (3, 6, 40, 32, 32)
    observation_shape = (64, 64, 1)
    shapes = ("square", "ellipse", "heart")
    scales = np.linspace(0.5, 1.0, 6)
    orientations = np.linspace(0.0, 2.0 * np.pi, 40)  # as the real file: 0 and 2 pi both included
    positions = np.linspace(0.0, 1.0, 32)
    sprite_radius = 10.0
    margin = 10.0

    def render_tf(self, factors):
        """int64 factors [N, 5] -> float32 images [N, 64, 64, 1] with values in {0, 1}."""
        size = self.observation_shape[0]
        travel = size - 2.0 * self.margin
        radius = (self.sprite_radius * gather_values(self.scales, factors, 1))[:, None, None]
        angle = gather_values(self.orientations, factors, 2)[:, None, None]
        centre_x = (self.margin + travel * gather_values(self.positions, factors, 3))[:, None, None]
        centre_y = (self.margin + travel * gather_values(self.positions, factors, 4))[:, None, None]
        rows, cols = pixel_grid(size, size)
        # Sprite coordinates in units of the radius, y up, rotated back by the angle.
        dx, dy = (cols - centre_x) / radius, (centre_y - rows) / radius
        cos, sin = tf.cos(angle), tf.sin(angle)
        u, v = cos * dx + sin * dy, cos * dy - sin * dx
        masks = tf.stack([square(u, v), ellipse(u, v), heart(u, v)], axis=1)  # [N, 3, H, W]
        sprite = tf.gather(masks, factors[:, 0], axis=1, batch_dims=1)
        return tf.cast(sprite, tf.float32)[..., None]


def square(u, v):
    """Axis-aligned square inscribed in the unit circle."""
    return tf.maximum(tf.abs(u), tf.abs(v)) <= np.sqrt(0.5)


def ellipse(u, v):
    """Ellipse with semi-axes 1 (along u) and 0.5 (along v)."""
    return tf.square(u) + tf.square(2.0 * v) <= 1.0


def heart(u, v):
    """The implicit heart (x^2 + y^2 - 1)^3 - x^2 y^3 <= 0, point down, fitted to the unit circle.

    The curve spans x in [-1.14, 1.14] and y in [-1, 1.24]; every point lies
    within 1.25 of (0, 0.25), so that point becomes the centre.
    """
    x, y = 1.25 * u, 1.25 * v + 0.25
    r = tf.square(x) + tf.square(y) - 1.0
    return r * r * r - tf.square(x) * y * y * y <= 0.0
