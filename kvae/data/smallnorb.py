"""SmallNORB (LeCun et al. 2004), from the NYU release's binary matrix `.mat` files."""

import numpy as np
import tensorflow as tf

from kvae.data import files, noise
from kvae.data.arguments import check_int
from kvae.data.ground_truth import GroundTruthData, flat_index_tf
from kvae.data.registry import register

SOURCE = "Run `kvae-download smallnorb`, or download the six smallnorb-*.mat files from https://cs.nyu.edu/~ylclab/data/norb-v1.0-small/ (gunzip them) into <data root>/small_norb/."
CHUNKS = ("5x46789x9x18x6x2x96x96-training", "5x01235x9x18x6x2x96x96-testing")
# Magic numbers of the NYU "binary matrix" format: int32 little-endian, then ndim, then max(3, ndim) dims.
DTYPES = {0x1E3D4C51: "<f4", 0x1E3D4C53: "<f8", 0x1E3D4C54: "<i4", 0x1E3D4C55: "u1", 0x1E3D4C56: "<i2"}
INSTANCE = 1  # salt of the instance draw


def open_matrix(dataset, path):
    """An `ArrayFile` over a NYU binary matrix file, its dtype and dims taken from the header."""
    with open(path, "rb") as f:
        header = np.frombuffer(f.read(20), "<i4")
    if len(header) < 5:
        raise files.corrupt(dataset, path, f"is too short for a binary matrix header ({len(header) * 4} bytes)")
    magic, ndim = int(header[0]), int(header[1])
    if magic not in DTYPES:
        known = ", ".join(f"0x{m:X}" for m in DTYPES)
        raise files.corrupt(dataset, path, f"has magic number 0x{magic & 0xFFFFFFFF:X}, expected one of {known}")
    if not 1 <= ndim <= 16:
        raise files.corrupt(dataset, path, f"declares {ndim} dimensions")
    with open(path, "rb") as f:
        dims = np.frombuffer(f.read(8 + 4 * max(3, ndim)), "<i4")[2 : 2 + ndim]
    return files.ArrayFile(path, 8 + 4 * max(3, ndim), dims, DTYPES[magic])


@register("smallnorb")
class SmallNORB(files.FileData):
    """SmallNORB: 48600 grey 96x96 toy photos resized to 64x64; category 5, elevation 9, azimuth 18, lighting 6.

    Reads `small_norb/smallnorb-<chunk>-{dat,cat,info}.mat` for the training
    and testing chunks (the left camera's images). The instance (10 per
    category) is a nuisance: it is drawn per element, like the noise of a
    stochastic dataset (`kvae.data.noise`): fixed per element in `render`,
    fresh per draw in `make_dataset`. The 64x64 images (Lanczos, as
    disentanglement_lib's PIL antialias) are computed once, by chunks, and kept
    in the cache directory.

    Args:
        directory: the folder of the six files, instead of `<data root>/small_norb`.
        factor_sizes: the grid the files hold, for subset files (tests).
        cache_dir: where the resized images go.
        seed: the dataset seed of the instance draws.
    """

    name = "smallnorb"
    factor_names = ("category", "elevation", "azimuth", "lighting")
    factor_sizes = (5, 9, 18, 6)
    observation_shape = (64, 64, 1)
    stochastic = True
    render = GroundTruthData.render  # runs render_tf (the instance draw), not `FileData.render`

    def __init__(self, directory=None, factor_sizes=None, cache_dir=None, seed=0):
        self.factor_sizes = self.factor_sizes_argument(factor_sizes)
        self.seed = check_int("SmallNORB", "seed", seed)
        paths = {(chunk, kind): files.find_file(
            self.name, [f"{d}/smallnorb-{chunk}-{kind}.mat" for d in ("small_norb", "smallnorb")], SOURCE,
            directory and f"{directory}/smallnorb-{chunk}-{kind}.mat")
            for chunk in CHUNKS for kind in ("dat", "cat", "info")}
        dats, features = [], []
        for chunk in CHUNKS:
            dat, cat, info = (open_matrix(self.name, paths[chunk, kind]) for kind in ("dat", "cat", "info"))
            files.check_shape(self.name, dat.path, "dat", dat.shape, (None, 2, 96, 96))
            files.check_dtype(self.name, dat.path, "dat", dat.dtype)
            files.check_dtype(self.name, cat.path, "cat", cat.dtype, np.int32)
            files.check_dtype(self.name, info.path, "info", info.dtype, np.int32)
            files.check_shape(self.name, cat.path, "cat", cat.shape, (len(dat),))
            files.check_shape(self.name, info.path, "info", info.shape, (len(dat), 4))
            dats.append(dat)
            features.append(np.column_stack([cat[:], info[:]]).astype(np.int64))
        features = np.concatenate(features)  # category, instance, elevation, azimuth (0, 2, ..., 34), lighting
        if np.any(features[:, 3] % 2):
            raise files.corrupt(self.name, paths[CHUNKS[0], "info"], "has odd azimuths; expected 0, 2, ..., 34")
        features[:, 3] //= 2
        self.full_sizes = tuple(int(s) for s in features.max(axis=0) + 1)
        self.num_instances = self.full_sizes[1]
        found = self.full_sizes[:1] + self.full_sizes[2:]
        if found != self.factor_sizes:
            raise files.corrupt(self.name, paths[CHUNKS[0], "info"], f"and its testing chunk hold factor sizes {found}, expected {self.factor_sizes}")
        positions = np.ravel_multi_index(tuple(features.T), self.full_sizes)
        if len(positions) != np.prod(self.full_sizes) or len(np.unique(positions)) != len(positions):
            raise files.corrupt(self.name, paths[CHUNKS[0], "info"], f"and its testing chunk hold {len(np.unique(positions))} distinct "
                                f"of {int(np.prod(self.full_sizes))} (category, instance, elevation, azimuth, lighting) combinations")
        self.path = paths[CHUNKS[0], "dat"]

        def build(target):
            images = np.empty((len(positions), 64, 64), np.uint8)
            start = 0
            for dat in dats:
                for i in range(0, len(dat), 2048):
                    left = dat.read(np.arange(i, min(i + 2048, len(dat))))[:, 0]
                    images[positions[start + i : start + i + len(left)]] = files.resize_images(left, 64)
                start += len(dat)
            files.save_npy(images)(target)

        self.images = files.cached_array(self.name, "left64", sorted(paths.values()), build, cache_dir)

    def render_tf(self, factors, draws=None):
        """int64 factors [N, 4] (and draw ids [N], else the flat indices) -> uint8 images [N, 64, 64, 1]."""
        factors = tf.cast(factors, tf.int64)
        unit = noise.uniform(noise.mix(self.draw_ids_tf(factors, draws), self.seed), (), INSTANCE)
        instance = tf.minimum(tf.cast(unit * self.num_instances, tf.int64), self.num_instances - 1)
        full = tf.concat([factors[:, :1], instance[:, None], factors[:, 1:]], axis=1)
        index = flat_index_tf(self.full_sizes, full)
        images = tf.numpy_function(lambda i: self.images.read(i)[..., None], [index], tf.uint8, stateful=False)
        return tf.ensure_shape(images, (None, 64, 64, 1))
