"""Writers of dataset files in the exact released formats, filled with given or random images.

Tests write small files with them and check the loaders against what was
written; `benchmarks/dataset_throughput.py` writes full-size ones. Large arrays
are written by chunks (`images(start, stop) -> uint8 array`), so a 3 GB file
needs no more RAM than a chunk.
"""

import os
import zipfile

import numpy as np

from kvae.data.ground_truth import factor_grid
from kvae.data.smallnorb import CHUNKS, DTYPES

CHUNK = 8192


def random_images(shape, high=256, seed=0):
    """An `images(start, stop)` function of seeded random uint8 values in [0, high)."""
    return lambda start, stop: np.random.default_rng([seed, start]).integers(0, high, (stop - start,) + tuple(shape), np.uint8)


def _chunks(images, count):
    if callable(images):
        for start in range(0, count, CHUNK):
            yield images(start, min(start + CHUNK, count))
    else:
        yield np.asarray(images)


def write_npz(path, arrays, compressed=False):
    """Writes an `.npz` of `arrays` {name: (shape, dtype, array or images function)} by chunks."""
    method = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=method, allowZip64=True) as zf:
        for name, (shape, dtype, data) in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as member:
                header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": tuple(shape)}
                np.lib.format.write_array_header_1_0(member, header)
                for chunk in _chunks(data, shape[0]):
                    member.write(np.ascontiguousarray(chunk, dtype).tobytes())


def write_dsprites(path, factor_sizes=(3, 6, 40, 32, 32), images=None, compressed=True, seed=0):
    """dSprites `.npz` (`imgs`, `latents_classes`, `latents_values`) or `.hdf5` (`imgs`, `latents/classes`, `latents/values`)."""
    classes = np.concatenate([np.zeros((int(np.prod(factor_sizes)), 1), np.int64), factor_grid(factor_sizes)], axis=1)
    values = classes.astype(np.float64)
    images = random_images((64, 64), 2, seed) if images is None else images
    if path.endswith(".npz"):
        shape = (len(classes), 64, 64)
        write_npz(path, {"imgs": (shape, np.uint8, images), "latents_classes": (classes.shape, np.int64, classes),
                         "latents_values": (values.shape, np.float64, values)}, compressed)
    else:
        _write_h5(path, {"imgs": ((len(classes), 64, 64), images), "latents/classes": classes, "latents/values": values})


def write_shapes3d(path, factor_sizes=(10, 10, 10, 8, 4, 15), images=None, seed=0):
    """`3dshapes.h5`: `images` [N, 64, 64, 3] uint8 and `labels` [N, 6] float64 (the factor values)."""
    classes = factor_grid(factor_sizes)
    value_sets = [np.linspace(0, 0.9, 10), np.linspace(0, 0.9, 10), np.linspace(0, 0.9, 10),
                  np.linspace(0.75, 1.25, 8), np.arange(4.0), np.linspace(-30, 30, 15)]
    labels = np.stack([v[c] if len(v) == s else c / max(s - 1, 1) for v, c, s in zip(value_sets, classes.T, factor_sizes)], axis=1)
    images = random_images((64, 64, 3), seed=seed) if images is None else images
    _write_h5(path, {"images": ((len(classes), 64, 64, 3), images), "labels": labels})


def _write_h5(path, arrays):
    import h5py

    with h5py.File(path, "w") as f:
        for key, data in arrays.items():
            if isinstance(data, tuple):
                shape, images = data
                dataset = f.create_dataset(key, shape, np.uint8)
                start = 0
                for chunk in _chunks(images, shape[0]):
                    dataset[start : start + len(chunk)] = chunk
                    start += len(chunk)
            else:
                f.create_dataset(key, data=data)


def write_mpi3d(path, factor_sizes=(6, 6, 2, 3, 3, 40, 40), images=None, compressed=False, seed=0):
    """MPI3D `.npz` with `images` [N, 64, 64, 3] uint8 (the releases are uncompressed)."""
    count = int(np.prod(factor_sizes))
    images = random_images((64, 64, 3), seed=seed) if images is None else images
    write_npz(path, {"images": ((count, 64, 64, 3), np.uint8, images)}, compressed)


def write_matrix(path, array):
    """A NYU binary matrix file: int32 magic and ndim, max(3, ndim) int32 dims, raw little-endian data."""
    array = np.asarray(array)
    magic = {np.dtype(v).str.lstrip("<|"): k for k, v in DTYPES.items()}[array.dtype.str.lstrip("<|")]
    dims = list(array.shape) + [1] * (3 - array.ndim)
    with open(path, "wb") as f:
        f.write(np.array([magic, array.ndim] + dims, "<i4").tobytes())
        f.write(np.ascontiguousarray(array).tobytes())


def write_smallnorb(directory, sizes=(5, 10, 9, 18, 6), seed=0):
    """The six SmallNORB `.mat` files for the grid `sizes` (category, instance, elevation, azimuth, lighting).

    Instances alternate between the training and testing chunk, as in the release
    (each holds half of them); rows are shuffled. Returns the features [N, 5]
    (azimuth as released: 0, 2, ...) and the 96x96 stereo images [N, 2, 96, 96] of both chunks, in file order.
    """
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(seed)
    features = factor_grid(sizes)
    features[:, 3] *= 2
    parts = [features[features[:, 1] % 2 == half] for half in (0, 1)]
    out_features, out_images = [], []
    for chunk, part in zip(CHUNKS, parts):
        part = part[rng.permutation(len(part))]
        images = rng.integers(0, 256, (len(part), 2, 96, 96), np.uint8)
        write_matrix(f"{directory}/smallnorb-{chunk}-dat.mat", images)
        write_matrix(f"{directory}/smallnorb-{chunk}-cat.mat", part[:, 0].astype(np.int32))
        write_matrix(f"{directory}/smallnorb-{chunk}-info.mat", part[:, 1:].astype(np.int32))
        out_features.append(part)
        out_images.append(images)
    return np.concatenate(out_features), np.concatenate(out_images)


def write_cars3d(directory, num_objects=183, seed=0):
    """`num_objects` MATLAB v5 files `car_XXX.mat`, each with `im` 128x128x3x24x4 uint8; returns the `im` arrays."""
    import scipy.io

    os.makedirs(directory, exist_ok=True)
    ims = []
    for i in range(num_objects):
        im = np.random.default_rng([seed, i]).integers(0, 256, (128, 128, 3, 24, 4), np.uint8)
        scipy.io.savemat(f"{directory}/car_{i:03d}_mesh.mat", {"im": im})
        ims.append(im)
    return ims
