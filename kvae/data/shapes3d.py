"""Shapes3D (Burgess & Kim 2018, deepmind/3d-shapes), from `3dshapes.h5`."""

import numpy as np

from kvae.data import files
from kvae.data.registry import register

SOURCE = (
    "Run `kvae-download shapes3d`, or download 3dshapes.h5 from "
    "https://storage.googleapis.com/3d-shapes/3dshapes.h5 into <data root>/3dshapes/."
)


@register("shapes3d")
class Shapes3D(files.FileData):
    """Shapes3D: 480000 RGB 64x64 scenes; floor hue 10, wall hue 10, object hue 10, scale 8, shape 4,
    orientation 15.

    Reads `3dshapes/3dshapes.h5` under the data root (`images` [N, 64, 64, 3]
    uint8, `labels` [N, 6] float64, C-ordered factor grid). The images are read
    by index from the file (in place when stored contiguously, else by sorted
    h5py chunks); the labels are checked to follow the factor grid.

    Args:
        path: the file, instead of looking under the data root.
        factor_sizes: the grid the file holds, for a subset file (tests).
    """

    name = "shapes3d"
    factor_names = ("floor_hue", "wall_hue", "object_hue", "scale", "shape", "orientation")
    factor_sizes = (10, 10, 10, 8, 4, 15)
    observation_shape = (64, 64, 3)

    def __init__(self, path=None, factor_sizes=None):
        self.path = files.find_file(self.name, ["3dshapes/3dshapes.h5", "3dshapes.h5"], SOURCE, path)
        self.factor_sizes = self.factor_sizes_argument(factor_sizes)
        self.images = files.open_array(self.name, self.path, "images")
        files.check_shape(self.name, self.path, "images", self.images.shape, (None, 64, 64, 3))
        files.check_dtype(self.name, self.path, "images", self.images.dtype)
        self.check_sizes(self.path, len(self.images), self.factor_sizes)
        labels = files.load_small(self.name, self.path, "labels")
        files.check_shape(self.name, self.path, "labels", labels.shape, (len(self.images), 6))
        self.factor_values = [np.unique(column) for column in labels.T]
        counts = tuple(len(v) for v in self.factor_values)
        if counts != self.factor_sizes:
            raise files.corrupt(
                self.name,
                self.path,
                f"has labels with {counts} distinct values per factor, expected {self.factor_sizes}",
            )
        classes = np.stack(
            [np.searchsorted(v, column) for v, column in zip(self.factor_values, labels.T)], axis=1
        )
        self.check_layout(self.path, classes)
