"""dSprites from its released file (Matthey et al. 2017, deepmind/dsprites-dataset)."""

import numpy as np

from kvae.data import files
from kvae.data.registry import register

FILENAME = "dsprites_ndarray_co1sh3sc6or40x32y32_64x64"
SOURCE = (
    "Run `kvae-download dsprites`, or download it from https://github.com/deepmind/dsprites-dataset into "
    "<data root>/dsprites/."
)


@register("dsprites")
class DSprites(files.FileData):
    """dSprites: 737280 binary 64x64 sprites; shape 3, scale 6, orientation 40, x 32, y 32.

    Reads `dsprites/dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz` (`imgs`,
    `latents_classes`, `latents_values`) or the `.hdf5` release (`imgs`,
    `latents/classes`) under the data root. Colour (always 0) is not a factor.
    The npz release is compressed, so its `imgs` are decompressed once, by
    chunks, into the cache directory (3 GB on disk, nothing in RAM); an
    uncompressed npz or the hdf5 file is read in place. The file's `imgs` must be
    uint8 with values in {0, 1} (checked on evenly spaced rows); `render` gives
    uint8 {0, 255}.

    Args:
        path: the file, instead of looking under the data root.
        factor_sizes: the grid the file holds, for a subset file (tests); the
            real one by default.
        cache_dir: where a decompressed copy goes (default `files.cache_dir()`).
    """

    name = "dsprites"
    factor_names = ("shape", "scale", "orientation", "pos_x", "pos_y")
    factor_sizes = (3, 6, 40, 32, 32)
    observation_shape = (64, 64, 1)

    def __init__(self, path=None, factor_sizes=None, cache_dir=None):
        candidates = [f"dsprites/{FILENAME}.{ext}" for ext in ("npz", "hdf5", "h5")] + [
            f"{FILENAME}.npz",
            f"{FILENAME}.hdf5",
        ]
        self.path = files.find_file(self.name, candidates, SOURCE, path)
        self.factor_sizes = self.factor_sizes_argument(factor_sizes)
        npz = self.path.endswith(".npz")
        self.images = files.open_array(self.name, self.path, "imgs", cache_dir)
        files.check_shape(self.name, self.path, "imgs", self.images.shape, (None, 64, 64))
        files.check_dtype(self.name, self.path, "imgs", self.images.dtype)
        files.check_values(
            self.name, self.path, "imgs", self.images.read(files.sample_rows(len(self.images))), {0, 1}
        )
        self.check_sizes(self.path, len(self.images), self.factor_sizes)
        key = "latents_classes" if npz else "latents/classes"
        classes = files.load_small(self.name, self.path, key)
        files.check_shape(self.name, self.path, key, classes.shape, (len(self.images), 6))
        self.check_layout(self.path, classes[:, 1:])

    def postprocess(self, images):
        """Stored {0, 1} -> uint8 {0, 255} [N, 64, 64, 1]."""
        return (images * np.uint8(255))[..., None]
