"""Color-, Noisy- and Scream-dSprites (Locatello et al. 2019, as in disentanglement_lib).

Each variant renders the dSprites sprite with fresh randomness per draw:
colour uniform in [0.5, 1]^3; a background of uniform noise, `min(x + U(0, 1), 1)`;
or a random 64x64 crop of an image, `(crop + U(0, 1)^3) / 2`, with the sprite's
pixels inverted. The randomness is a pure function of an integer key per
element (`kvae.data.noise`) and the dataset `seed`:

- `render(factors)` / `render_tf(factors)` key each element by its flat index,
  so an element always looks the same (metrics see a fixed dataset);
- `render_tf(factors, draws)` keys it by a draw id. `make_dataset` passes one
  per example, derived from its seed, the batch index and the position, so the
  stream gets fresh noise for every draw yet is reproducible and independent of
  the parallelism (`stochastic = True`, the `GroundTruthData` protocol).
"""

import numpy as np
import tensorflow as tf
from PIL import Image

from kvae.data import files, noise
from kvae.data.arguments import check_int
from kvae.data.dsprites_files import DSprites
from kvae.data.ground_truth import GroundTruthData, to_float
from kvae.data.registry import register

COLOUR, BACKGROUND, CROP = 1, 2, 3  # salts: independent streams per use


class RandomDSprites(DSprites):
    """dSprites with a random RGB rendering (float32 [N, 64, 64, 3]); see the module doc.

    Args:
        seed: the dataset seed, mixed into every draw's key.
        path, factor_sizes, cache_dir: as for `DSprites`.
    """

    observation_shape = (64, 64, 3)
    stochastic = True
    render = GroundTruthData.render  # runs render_tf (the painting), not `DSprites.render` (the file)

    def __init__(self, path=None, factor_sizes=None, cache_dir=None, seed=0):
        super().__init__(path=path, factor_sizes=factor_sizes, cache_dir=cache_dir)
        self.seed = check_int(type(self).__name__, "seed", seed)

    def render_tf(self, factors, draws=None):
        """int64 factors [N, 5] (and draw ids [N], else the flat indices) -> float32 [N, 64, 64, 3]."""
        sprites = to_float(self.read_tf(factors, DSprites.observation_shape))  # binary sprites [N, 64, 64, 1]
        return self.paint(sprites, noise.mix(self.draw_ids_tf(factors, draws), self.seed))

    def paint(self, sprites, keys):
        """Binary sprites float32 [N, 64, 64, 1] and int64 keys [N] -> float32 RGB images [N, 64, 64, 3]."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(path={self.path!r}, seed={self.seed})"


@register("color_dsprites")
class ColorDSprites(RandomDSprites):
    """The sprite in a colour drawn uniformly from [0.5, 1]^3 per draw, on black."""

    name = "color_dsprites"

    def paint(self, sprites, keys):
        return sprites * noise.uniform(keys, (1, 1, 3), COLOUR, 0.5, 1.0)


@register("noisy_dsprites")
class NoisyDSprites(RandomDSprites):
    """The white sprite on a background of uniform noise: `min(x + U(0, 1), 1)` per pixel and channel."""

    name = "noisy_dsprites"

    def paint(self, sprites, keys):
        return tf.minimum(sprites + noise.uniform(keys, (64, 64, 3), BACKGROUND), 1.0)  # broadcasts to RGB


@register("scream_dsprites")
class ScreamDSprites(RandomDSprites):
    """The sprite inverting a random crop of an image (disentanglement_lib used Munch's "The Scream").

    The image is shrunk to fit 350x274 (PIL `thumbnail`), a 64x64 crop at a
    uniform offset is averaged with a uniform colour, `(crop + U(0, 1)^3) / 2`,
    and the sprite's pixels become `1 - background`.

    Args:
        image_path: the background image; default `<data root>/scream/scream.jpg`.
        path, factor_sizes, cache_dir, seed: as for `ColorDSprites`.
    """

    name = "scream_dsprites"

    def __init__(self, path=None, factor_sizes=None, cache_dir=None, seed=0, image_path=None):
        super().__init__(path=path, factor_sizes=factor_sizes, cache_dir=cache_dir, seed=seed)
        source = "Supply any image of at least 64x64 pixels (disentanglement_lib used Munch's The Scream; `kvae-download scream` fetches it) as <data root>/scream/scream.jpg or pass image_path."
        self.image_path = files.find_file(self.name, ["scream/scream.jpg"], source, image_path)
        try:
            with Image.open(self.image_path) as image:
                image = image.convert("RGB")
                image.thumbnail((350, 274))
                self.background = np.asarray(image, np.float32) / 255.0
        except OSError as error:
            raise files.corrupt(self.name, self.image_path, f"is not a readable image ({error})") from None
        if min(self.background.shape[:2]) <= 64:
            raise files.corrupt(self.name, self.image_path, f"is {self.background.shape[1]}x{self.background.shape[0]} after fitting to 350x274; expected more than 64 pixels each way")

    def paint(self, sprites, keys):
        height, width = self.background.shape[:2]
        offsets = noise.uniform(keys, (2,), CROP) * tf.constant([height - 64, width - 64], tf.float32)
        offsets = tf.cast(tf.floor(offsets), tf.int64)  # randint(0, size - 64)
        span = tf.range(64, dtype=tf.int64)
        rows, cols = offsets[:, :1] + span, offsets[:, 1:] + span  # [N, 64] each
        pixels = rows[:, :, None] * width + cols[:, None, :]  # [N, 64, 64] flat pixel indices
        crops = tf.gather(tf.constant(self.background.reshape(-1, 3)), pixels)  # [N, 64, 64, 3]
        background = (crops + noise.uniform(keys, (1, 1, 3), COLOUR)) / 2.0
        inside = tf.cast(sprites > 0.5, tf.float32)
        return background + inside * (1.0 - 2.0 * background)  # 1 - background on the sprite (2x faster than where)
