"""XYObject: one coloured square on a grid, from disent (Michlo et al., `XYObjectData`)."""

import numpy as np
import tensorflow as tf

from kvae.data.arguments import check_int, fail
from kvae.data.procedural import ProceduralData
from kvae.data.registry import register

_R, _G, _B, _Y, _C, _M, _W = (
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 0],
    [0, 255, 255],
    [255, 0, 255],
    [255, 255, 255],
)
HUES = {
    "greys": [_W],
    "colors": [_R, _G, _B, _Y, _C, _M, _W],
    "rgb": [_R, _G, _B],
    "rainbow": [_R, _Y, _G, _C, _B, _M],
}


def palette(name):
    """disent's palette `<hues>_<levels>`: every hue at brightness i/levels, i = 1..levels (uint8 [K, 3])."""
    expected = f"'<hues>_<levels>' with hues one of {sorted(HUES)} and levels >= 1"
    hues, _, levels = name.partition("_") if isinstance(name, str) else ("", "", "")
    if hues not in HUES or not levels.isdigit() or int(levels) < 1:
        raise fail("XYObject", "palette_name", expected, name)
    hues = np.array(HUES[hues])
    return np.array([hue * i // int(levels) for i in range(1, int(levels) + 1) for hue in hues], np.uint8)


@register("xyobject")
class XYObject(ProceduralData):
    """One square of side `min..max_square_size` (step 2) and a palette colour on a black 64x64 canvas.

    disent v0.3 defaults: position p puts the top-left corner of the largest
    square at `grid_spacing * p` for `(64 - 15) // 2 + 1 = 25` positions per
    axis, smaller squares are centred on it (offset `(15 - size) // 2`); scales
    7, 9, 11, 13, 15; the palette `rainbow_4` (R, Y, G, C, B, M at brightness
    1/4..4/4: 24 colours, brightness deliberately not a factor). Factors x 25,
    y 25, scale 5, colour 24 (75000 images), float32 RGB values `colour / 255`.
    """

    name = "xyobject"
    factor_names = ("x", "y", "scale", "color")

    def __init__(
        self,
        grid_spacing=2,
        min_square_size=7,
        max_square_size=15,
        square_size_spacing=2,
        palette_name="rainbow_4",
        image_size=64,
    ):
        self.image_size = check_int("XYObject", "image_size", image_size, 1, 4096)
        self.max_square_size = check_int("XYObject", "max_square_size", max_square_size, 1, self.image_size)
        self.min_square_size = check_int(
            "XYObject", "min_square_size", min_square_size, 1, self.max_square_size
        )
        self.square_size_spacing = check_int(
            "XYObject", "square_size_spacing", square_size_spacing, 1, self.image_size
        )
        self.grid_spacing = check_int("XYObject", "grid_spacing", grid_spacing, 1, self.image_size)
        self.palette_name = palette_name
        self.colors = palette(palette_name)
        self.scales = np.arange(self.min_square_size, self.max_square_size + 1, self.square_size_spacing)
        placements = (self.image_size - self.max_square_size) // self.grid_spacing + 1
        self.factor_sizes = (placements, placements, len(self.scales), len(self.colors))
        self.observation_shape = (self.image_size, self.image_size, 3)

    def render_tf(self, factors):
        """int64 factors [N, 4] -> float32 images [N, H, W, 3]."""
        factors = tf.cast(factors, tf.int64)
        size = tf.gather(tf.constant(self.scales, tf.int64), factors[:, 2])
        start = (
            self.grid_spacing * factors[:, :2] + ((self.max_square_size - size) // 2)[:, None]
        )  # [N, (x, y)]
        pixels = tf.range(self.image_size, dtype=tf.int64)[None, :]
        cols = (pixels >= start[:, :1]) & (pixels < start[:, :1] + size[:, None])
        rows = (pixels >= start[:, 1:]) & (pixels < start[:, 1:] + size[:, None])
        square = tf.cast(rows[:, :, None] & cols[:, None, :], tf.float32)[..., None]
        color = tf.gather(tf.constant(self.colors, tf.float32) / 255.0, factors[:, 3])
        return square * color[:, None, None, :]

    def __repr__(self):
        return (
            f"XYObject(grid_spacing={self.grid_spacing}, min_square_size={self.min_square_size}, "
            f"max_square_size={self.max_square_size}, square_size_spacing={self.square_size_spacing}, "
            f"palette_name={self.palette_name!r}, image_size={self.image_size})"
        )
