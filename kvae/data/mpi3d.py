"""MPI3D toy, realistic and real (Gondal et al. 2019, "On the transfer of inductive bias
from simulation to the real world"), from their `.npz` releases."""

from kvae.data import files
from kvae.data.registry import register

SOURCE = (
    "Run `kvae-download {0}`, or download it from https://github.com/rr-learning/disentanglement_dataset "
    "into <data root>/{0}/{0}.npz."
)
SIZES = {460800: (4, 4, 2, 3, 3, 40, 40), 1036800: (6, 6, 2, 3, 3, 40, 40)}


class MPI3D(files.FileData):
    """MPI3D: RGB 64x64 photos/renders of a robot arm holding an object.

    Factors object colour, shape, size, camera height, background colour,
    horizontal axis, vertical axis. disentanglement_lib gave the simulated
    datasets 4 x 4 colours and shapes (460800 images, the competition release)
    and the real one 6 x 6 (1036800 images); the sizes are read off the file's
    image count, because applying 4 x 4 to a 1036800-image file misindexes it.
    `images` is read in place from an uncompressed npz (as released); a
    compressed one is decompressed once into the cache directory.

    Args:
        path: the file, instead of `<data root>/<name>/<name>.npz`.
        factor_sizes: the grid the file holds (default: from its image count).
        cache_dir: where a decompressed copy goes.
    """

    factor_names = (
        "object_color",
        "object_shape",
        "object_size",
        "camera_height",
        "background_color",
        "horizontal_axis",
        "vertical_axis",
    )
    factor_sizes = SIZES[1036800]
    observation_shape = (64, 64, 3)

    def __init__(self, path=None, factor_sizes=None, cache_dir=None):
        self.path = files.find_file(
            self.name, [f"{self.name}/{self.name}.npz", f"{self.name}.npz"], SOURCE.format(self.name), path
        )
        self.images = files.open_array(self.name, self.path, "images", cache_dir)
        files.check_shape(self.name, self.path, "images", self.images.shape, (None, 64, 64, 3))
        files.check_dtype(self.name, self.path, "images", self.images.dtype)
        self.factor_sizes = self.factor_sizes_argument(factor_sizes or SIZES.get(len(self.images)))
        self.check_sizes(self.path, len(self.images), self.factor_sizes)


@register("mpi3d_toy")
class MPI3DToy(MPI3D):
    """MPI3D-toy: simple renders (see `MPI3D`)."""

    name = "mpi3d_toy"


@register("mpi3d_realistic")
class MPI3DRealistic(MPI3D):
    """MPI3D-realistic: realistic renders (see `MPI3D`)."""

    name = "mpi3d_realistic"


@register("mpi3d_real")
class MPI3DReal(MPI3D):
    """MPI3D-real: real-world photos (see `MPI3D`)."""

    name = "mpi3d_real"
