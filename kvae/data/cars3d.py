"""Cars3D (Reed et al. 2015, "Deep visual analogy-making"), from its per-car MATLAB files."""

import glob
import os

import numpy as np
import scipy.io

from kvae.data import files
from kvae.data.registry import register

SOURCE = (
    "Run `kvae-download cars3d`, or download nips2015-analogy-data.tar.gz from "
    "http://www.scottreed.info/ and extract its cars/*.mat into <data root>/cars/."
)


@register("cars3d")
class Cars3D(files.FileData):
    """Cars3D: 17568 RGB renders of 183 car models resized to 64x64; elevation 4, azimuth 24, object 183.

    Reads every `cars/*.mat` under the data root in sorted order (car i is
    object i); each is a MATLAB v5 file whose `im` is 128x128x3x24x4 uint8
    (rows, columns, channels, azimuth, elevation). The 64x64 images (Lanczos)
    are computed once and kept in the cache directory.

    Args:
        directory: the folder of the `.mat` files, instead of `<data root>/cars`.
        factor_sizes: the grid the files hold, for a subset (tests).
        cache_dir: where the resized images go.
    """

    name = "cars3d"
    factor_names = ("elevation", "azimuth", "object")
    factor_sizes = (4, 24, 183)
    observation_shape = (64, 64, 3)

    def __init__(self, directory=None, factor_sizes=None, cache_dir=None):
        self.factor_sizes = self.factor_sizes_argument(factor_sizes)
        self.path = files.find_file(self.name, ["cars"], SOURCE, directory)
        paths = sorted(glob.glob(os.path.join(self.path, "*.mat")))
        elevations, azimuths, objects = self.factor_sizes
        if len(paths) != objects:
            raise files.corrupt(
                self.name, self.path, f"holds {len(paths)} .mat files, expected {objects} (one per car)"
            )
        expected = (128, 128, 3, azimuths, elevations)

        def build(target):
            images = np.empty((elevations, azimuths, objects, 64, 64, 3), np.uint8)
            for i, path in enumerate(paths):
                try:
                    im = scipy.io.loadmat(path)["im"]
                except (ValueError, OSError, KeyError, TypeError) as error:
                    raise files.corrupt(
                        self.name,
                        path,
                        f"is not a MATLAB file with an 'im' array ({type(error).__name__}: {error})",
                    ) from None
                files.check_shape(self.name, path, "im", im.shape, expected)
                files.check_dtype(self.name, path, "im", im.dtype)
                views = np.transpose(im, (4, 3, 0, 1, 2)).reshape(
                    (-1,) + im.shape[:3]
                )  # [elevation * azimuth, 128, 128, 3]
                images[:, :, i] = files.resize_images(views, 64).reshape(elevations, azimuths, 64, 64, 3)
            files.save_npy(images.reshape(-1, 64, 64, 3))(target)

        self.images = files.cached_array(self.name, "64", paths, build, cache_dir)
