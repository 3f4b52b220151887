"""XYSquares: the adversarial dataset of Michlo et al., "Overlooked implications
of the reconstruction loss for VAE disentanglement" (sections 5.1 and 5.4)."""

import tensorflow as tf

from kvae.data.arguments import check_int
from kvae.data.procedural import ProceduralData
from kvae.data.registry import register


@register("xysquares")
class XYSquares(ProceduralData):
    """Three squares coloured R, G and B (one channel each) on a black canvas.

    Factors `x_R, y_R, x_G, y_G, x_B, y_B` each take `grid_size` grid positions;
    position `p` puts the square's top-left corner at pixel
    `offset + p * grid_spacing`. As in disent's `XYSquaresData`, the grid is
    centred: `offset = (image_size - (square_size + (grid_size - 1) * grid_spacing)) // 2`
    (0 at the default spacing 8, 24 at spacing 1). With `grid_spacing >=
    square_size` no two positions overlap, so every pixel-wise perceived
    distance along a factor traversal is the same constant (section 5.1);
    smaller spacings keep 8^6 = 262144 elements but add overlap (section 5.4).

    Args:
        grid_spacing: pixels between neighbouring grid positions (1..8 by default).
        square_size: side of each square in pixels.
        grid_size: number of positions per axis.
        image_size: side of the square canvas in pixels.
    """

    name = "xysquares"
    factor_names = ("x_R", "y_R", "x_G", "y_G", "x_B", "y_B")

    def __init__(self, grid_spacing=8, square_size=8, grid_size=8, image_size=64):
        self.image_size = check_int("XYSquares", "image_size", image_size, 1, 4096)
        self.square_size = check_int("XYSquares", "square_size", square_size, 1, self.image_size)
        self.grid_size = check_int(
            "XYSquares", "grid_size", grid_size, 1, self.image_size - self.square_size + 1
        )
        max_spacing = (self.image_size - self.square_size) // max(self.grid_size - 1, 1)
        self.grid_spacing = check_int(
            "XYSquares",
            f"grid_spacing (for {self.grid_size} positions of a {self.square_size}px square "
            f"on a {self.image_size}px canvas)",
            grid_spacing,
            1,
            max_spacing,
        )
        extent = self.square_size + (self.grid_size - 1) * self.grid_spacing
        self.offset = (self.image_size - extent) // 2
        self.factor_sizes = (self.grid_size,) * 6
        self.observation_shape = (self.image_size, self.image_size, 3)

    def render_tf(self, factors):
        """int64 factors [N, 6] -> float32 images [N, H, W, 3] with values in {0, 1}."""
        starts = self.offset + self.grid_spacing * tf.reshape(tf.cast(factors, tf.int64), (-1, 3, 2))
        pixels = tf.range(self.image_size, dtype=tf.int64)

        def inside(start):  # [N, 3] -> [N, 3, image_size]
            start = start[..., None]
            return (pixels >= start) & (pixels < start + self.square_size)

        cols, rows = inside(starts[..., 0]), inside(starts[..., 1])
        squares = rows[:, :, :, None] & cols[:, :, None, :]  # [N, 3, H, W]
        return tf.cast(tf.transpose(squares, (0, 2, 3, 1)), tf.float32)

    def __repr__(self):
        args = f"grid_spacing={self.grid_spacing}, square_size={self.square_size}, grid_size={self.grid_size}"
        return f"XYSquares({args}, image_size={self.image_size})"
