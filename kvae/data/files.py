"""Dataset files: the data root, clear errors, and arrays read by index without loading them.

Every file-backed loader shares these helpers:

- `find_file` looks for a file under the data root (`$KVAE_DATA`, falling back
  to `$DISENTANGLEMENT_LIB_DATA`, as disentanglement_lib laid it out) and
  raises `MissingDatasetError` naming every path it tried and where the file
  comes from.
- `open_array` opens an array stored in a `.npy`, a `.npz` member or an HDF5
  dataset as an `ArrayFile` / `H5Array`: elements are read by index on demand
  (`os.pread` of raw bytes, or h5py reads in sorted chunks), so a 3 GB file
  costs no RAM and nothing is expanded to float.
- `cached_array` keeps an array derived from source files (a resize, a
  decompressed npz member) in the cache directory (`$KVAE_CACHE`, default
  `~/.cache/kvae`), keyed by the sources' paths, sizes and times.
- `resize_images` resizes uint8 images with PIL's antialiasing (Lanczos) filter,
  as disentanglement_lib did for SmallNORB and Cars3D.
"""

import hashlib
import json
import os
import threading
import zipfile
import zlib

import numpy as np
import tensorflow as tf

from kvae.data.arguments import check_ints, fail
from kvae.data.ground_truth import GroundTruthData
from kvae.errors import KvaeError
from kvae.io import atomic_path

ENV_VARS = ("KVAE_DATA", "DISENTANGLEMENT_LIB_DATA")
CACHE_ENV_VAR = "KVAE_CACHE"


# What reading a damaged file raises: zip and zlib (npz), h5py (OSError, RuntimeError), truncation.
READ_ERRORS = (OSError, ValueError, KeyError, RuntimeError, zipfile.BadZipFile, zlib.error, EOFError)


class MissingDatasetError(KvaeError, FileNotFoundError):
    """A dataset file is not where it was looked for."""


class CorruptDatasetError(KvaeError):
    """A dataset file exists but is truncated, unreadable, wrongly shaped or of the wrong dtype or values."""


def data_root():
    """The data root: `$KVAE_DATA`, else `$DISENTANGLEMENT_LIB_DATA`, else the working directory."""
    for var in ENV_VARS:
        if os.environ.get(var):
            return os.environ[var]
    return "."


def cache_dir(directory=None):
    """The cache directory for derived files (created): `directory`, else `$KVAE_CACHE`, else `~/.cache/kvae`."""
    directory = directory or os.environ.get(CACHE_ENV_VAR) or os.path.join(os.path.expanduser("~"), ".cache", "kvae")
    os.makedirs(directory, exist_ok=True)
    return directory


def find_file(dataset, candidates, source, path=None):
    """The first existing path among `candidates` (relative to the data root), or `path` if given.

    Raises:
        MissingDatasetError: naming the paths looked at, the env vars and `source`.
    """
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise fail(dataset, "path", "a file or directory path (a string)", path)
    paths = [os.fspath(path)] if path else [os.path.join(data_root(), c) for c in candidates]
    for p in paths:
        if os.path.exists(p):
            return p
    where = "" if path else f" (data root from ${ENV_VARS[0]}, else ${ENV_VARS[1]}, else the working directory)"
    raise MissingDatasetError(
        f"{dataset}: dataset file not found; looked at {', '.join(map(repr, paths))}{where}. {source}"
    )


def corrupt(dataset, path, what):
    """A `CorruptDatasetError` for `path` saying what was found."""
    return CorruptDatasetError(f"{dataset}: {path!r} {what}")


def unreadable(dataset, path, error):
    """A `CorruptDatasetError` for a file that failed to read or decompress."""
    message = " ".join(str(error).split()) or "no message"
    return corrupt(dataset, path, f"is corrupt: it could not be read or decompressed ({type(error).__name__}: "
                   f"{message}); download it again (kvae-download)")


def check_dtype(dataset, path, key, dtype, expected=np.uint8):
    """Raises a `CorruptDatasetError` unless the array `key` has dtype `expected`."""
    if np.dtype(dtype) != np.dtype(expected):
        raise corrupt(dataset, path, f"has {key!r} of dtype {np.dtype(dtype)}, expected {np.dtype(expected)}")


def check_values(dataset, path, key, images, allowed):
    """Raises a `CorruptDatasetError` unless every value of `images` is in `allowed` (e.g. {0, 1})."""
    found = np.unique(images)
    wrong = found[~np.isin(found, list(allowed))]
    if len(wrong):
        raise corrupt(dataset, path, f"has {key!r} values {wrong[:5].tolist()}, expected only {sorted(allowed)}")


def sample_rows(count, rows=64):
    """Evenly spaced row indices (at most `rows`), for checking the values of a large file cheaply."""
    return np.unique(np.linspace(0, count - 1, min(rows, count)).astype(np.int64))


def check_shape(dataset, path, key, shape, expected):
    """Raises a `CorruptDatasetError` unless `shape` matches `expected` (None matches any size)."""
    if len(shape) != len(expected) or any(e is not None and s != e for s, e in zip(shape, expected)):
        want = "x".join("N" if e is None else str(e) for e in expected)
        raise corrupt(dataset, path, f"has {key!r} of shape {tuple(shape)}, expected {want}")


class ArrayFile:
    """A C-ordered array of raw bytes at `offset` in a file, read by index with `os.pread`.

    Reads coalesce runs of consecutive indices; nothing is memory-mapped, so
    the resident memory stays that of the batches read.
    """

    def __init__(self, path, offset, shape, dtype):
        self.path, self.offset = path, int(offset)
        self.shape, self.dtype = tuple(int(s) for s in shape), np.dtype(dtype)
        self.record_bytes = int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize
        self._fd, self._pid, self._lock = None, None, threading.Lock()
        expected = self.offset + self.shape[0] * self.record_bytes
        if os.path.getsize(path) < expected:
            raise CorruptDatasetError(
                f"{path!r} is truncated: {os.path.getsize(path)} bytes, expected at least {expected} "
                f"for an array of shape {self.shape} ({self.dtype})"
            )

    def __len__(self):
        return self.shape[0]

    def _descriptor(self):
        with self._lock:
            if self._pid != os.getpid():  # a fork gets its own descriptor
                self._fd, self._pid = os.open(self.path, os.O_RDONLY), os.getpid()
            return self._fd

    def read(self, indices):
        """Elements `indices` [N] -> array [N, ...] (a copy, in the order asked)."""
        indices = np.asarray(indices, np.int64).reshape(-1)
        unique, inverse = np.unique(indices, return_inverse=True)
        out = np.empty((len(unique),) + self.shape[1:], self.dtype)
        if len(unique) == 0:
            return out
        flat = out.reshape(len(unique), -1).view(np.uint8)
        fd = self._descriptor()
        breaks = np.flatnonzero(np.diff(unique) != 1) + 1
        for run in np.split(np.arange(len(unique)), breaks):
            if len(run) == 0:
                continue
            start, count = unique[run[0]], len(run)
            nbytes = count * self.record_bytes
            data = os.pread(fd, nbytes, self.offset + int(start) * self.record_bytes)
            if len(data) != nbytes:
                raise CorruptDatasetError(f"{self.path!r}: short read at element {start} (file truncated?)")
            flat[run[0] : run[0] + count] = np.frombuffer(data, np.uint8).reshape(count, -1)
        return out[inverse]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.read(np.arange(len(self))[index])
        return self.read(index)

    def __del__(self):
        try:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
        except (AttributeError, OSError, TypeError):  # interpreter shutdown
            pass


class H5Array:
    """An HDF5 dataset (chunked or compressed) read by sorted, unique indices in chunks."""

    def __init__(self, path, key, chunk=4096):
        import h5py

        self.path, self.key, self.chunk = path, key, chunk
        with h5py.File(path, "r") as f:
            self.shape, self.dtype = tuple(f[key].shape), f[key].dtype
        self._file, self._pid, self._lock = None, None, threading.Lock()

    def __len__(self):
        return self.shape[0]

    def read(self, indices):
        import h5py

        with self._lock:
            if self._pid != os.getpid():
                self._file, self._pid = h5py.File(self.path, "r"), os.getpid()
        indices = np.asarray(indices, np.int64).reshape(-1)
        unique, inverse = np.unique(indices, return_inverse=True)
        dataset = self._file[self.key]
        try:
            parts = [dataset[unique[i : i + self.chunk]] for i in range(0, len(unique), self.chunk)]
        except (OSError, RuntimeError, ValueError) as error:  # a damaged compressed chunk
            raise unreadable(os.path.basename(self.path), self.path, error) from None
        out = np.concatenate(parts) if parts else np.empty((0,) + self.shape[1:], self.dtype)
        return out[inverse]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.read(np.arange(len(self))[index])
        return self.read(index)


def open_array(dataset, path, key=None, cache=None):
    """An indexable on-disk array: a `.npy` file, a member `key` of a `.npz`, or HDF5 dataset `key`.

    An uncompressed npz member is read in place at its offset in the zip. A
    compressed one cannot be (`np.load(mmap_mode="r")` silently loads it whole):
    it is decompressed once, by chunks, into the cache directory (`cache`).
    Raises `CorruptDatasetError` saying what was found when the file is not readable.
    """
    try:
        if path.endswith(".npy"):
            with open(path, "rb") as f:
                shape, dtype = _npy_header(f)
                return ArrayFile(path, f.tell(), shape, dtype)
        if path.endswith(".npz"):
            return _npz_member(dataset, path, key, cache)
        return _h5_dataset(dataset, path, key)
    except (CorruptDatasetError, MissingDatasetError):
        raise
    except READ_ERRORS as error:
        raise unreadable(dataset, path, error) from None


def load_small(dataset, path, key):
    """Loads a small array (labels) whole from an npz member or an HDF5 dataset."""
    try:
        if path.endswith(".npz"):
            with np.load(path, allow_pickle=False) as z:
                return z[key]
        import h5py

        with h5py.File(path, "r") as f:
            return f[key][()]
    except KeyError:
        raise corrupt(dataset, path, f"has no array {key!r}") from None
    except READ_ERRORS as error:
        raise unreadable(dataset, path, error) from None


def _npy_header(f):
    version = np.lib.format.read_magic(f)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = read_header(f)
    if fortran or dtype.hasobject:
        raise ValueError(f"array is {'Fortran-ordered' if fortran else 'of Python objects'}; expected a C-ordered numeric array")
    return shape, dtype


def _npz_member(dataset, path, key, cache):
    with zipfile.ZipFile(path) as zf:
        names = [n[:-4] for n in zf.namelist() if n.endswith(".npy")]
        if key not in names:
            raise corrupt(dataset, path, f"has no array {key!r}; found {names}")
        info = zf.getinfo(key + ".npy")
        if info.compress_type == zipfile.ZIP_STORED:
            with open(path, "rb") as f:
                f.seek(info.header_offset)
                local = f.read(30)
                if local[:4] != b"PK\x03\x04":
                    raise ValueError("bad zip local header")
                name_len, extra_len = np.frombuffer(local[26:30], "<u2")
                f.seek(info.header_offset + 30 + int(name_len) + int(extra_len))
                shape, dtype = _npy_header(f)
                return ArrayFile(path, f.tell(), shape, dtype)

        def extract(target):
            with zf.open(info) as member, open(target, "wb") as out:
                shape, dtype = _npy_header(member)
                np.lib.format.write_array_header_2_0(out, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape})
                while chunk := member.read(1 << 24):
                    out.write(chunk)

        return cached_array(dataset, f"{key}-unzipped", [path], extract, cache)


def _h5_dataset(dataset, path, key):
    import h5py

    with h5py.File(path, "r") as f:
        if key not in f:
            found = []
            f.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset) else None)
            raise corrupt(dataset, path, f"has no dataset {key!r}; found {found}")
        d = f[key]
        offset = d.id.get_offset()
        if d.chunks is None and d.compression is None and offset is not None:
            return ArrayFile(path, offset, d.shape, d.dtype)
    return H5Array(path, key)


def source_key(paths):
    """A short hash of the source files' absolute paths, sizes and modification times."""
    stats = [(os.path.abspath(p), os.path.getsize(p), os.path.getmtime(p)) for p in paths]
    return hashlib.sha1(json.dumps(stats).encode()).hexdigest()[:16]


def cached_array(dataset, what, sources, build, cache=None):
    """An `ArrayFile` on `<cache>/<dataset>-<what>-<key>.npy`, written once by `build(path)`.

    `build` writes a `.npy` file to the path it is given (a temporary name, renamed
    when complete by `kvae.io.atomic_path`), so an interrupted build leaves no half-written cache.
    """
    target = os.path.join(cache_dir(cache), f"{dataset}-{what}-{source_key(sources)}.npy")
    if not os.path.exists(target):
        with atomic_path(target) as temp:
            build(temp)
    return open_array(dataset, target)


def save_npy(array):
    """A `build` function for `cached_array` that saves `array`."""

    def build(path):
        with open(path, "wb") as f:
            np.save(f, np.ascontiguousarray(array))

    return build


def resize_images(images, size):
    """uint8 images [N, h, w] or [N, h, w, C] -> [N, size, size(, C)] with PIL's Lanczos filter."""
    from PIL import Image

    images = np.asarray(images)
    out = np.empty((len(images), size, size) + images.shape[3:], np.uint8)
    for i, image in enumerate(images):
        out[i] = np.asarray(Image.fromarray(image).resize((size, size), Image.LANCZOS))
    return out


class FileData(GroundTruthData):
    """A ground-truth dataset whose images sit, uint8, in an on-disk array.

    Subclasses set `self.images` (an `ArrayFile`, `H5Array` or ndarray of
    [len(self), ...] in factor order) in their constructor; `read` reads the
    elements by flat index (`render`, and `render_tf` in `tf.numpy_function`),
    and `postprocess` turns the stored values into uint8 NHWC images (e.g.
    dSprites' {0, 1} -> {0, 255}).
    """

    def factor_sizes_argument(self, factor_sizes):
        """The class's factor sizes, or the given ones (one positive int per factor) of a subset file."""
        if factor_sizes is None:
            return tuple(type(self).factor_sizes)
        return check_ints(type(self).__name__, "factor_sizes", factor_sizes, length=len(self.factor_names))

    def read(self, factors):
        """Factor values [N, F] -> the stored uint8 images [N, H, W, C] (NumPy)."""
        indices = self.factors_to_index(factors)
        images = self.images.read(indices) if hasattr(self.images, "read") else self.images[indices]
        return self.postprocess(images)

    def render(self, factors):
        """Factor values [N, F] -> uint8 images [N, H, W, C], read from the file (NumPy, no graph)."""
        return self.read(factors)

    def read_tf(self, factors, shape=None):
        """Graph version of `read` (`tf.numpy_function`): uint8 [N, *shape], by default the observations'."""
        images = tf.numpy_function(self.read, [factors], tf.uint8, stateful=False)
        return tf.ensure_shape(images, (None,) + tuple(shape or self.observation_shape))

    def render_tf(self, factors, draws=None):
        """int64 factors [N, F] -> uint8 images [N, H, W, C], read from the file."""
        return self.read_tf(factors)

    def postprocess(self, images):
        """Stored values -> uint8 images [N, H, W, C]; adds the channel axis of grey images."""
        return images[..., None] if images.ndim == 3 else images

    def check_sizes(self, path, count, factor_sizes):
        """Raises a `CorruptDatasetError` unless the file holds one image per factor combination."""
        expected = int(np.prod(factor_sizes, dtype=np.int64))
        if count != expected:
            sizes = "x".join(map(str, factor_sizes))
            raise corrupt(self.name, path, f"holds {count} images, expected {expected} ({sizes} factor values)")

    def check_layout(self, path, classes, rows=1024):
        """Raises a `CorruptDatasetError` unless the factor classes [N, F] of evenly spaced rows
        follow the C-ordered factor grid (last factor fastest)."""
        check = np.unique(np.linspace(0, len(self) - 1, min(rows, len(self))).astype(np.int64))
        found = np.asarray(classes[check], np.int64)
        wrong = np.flatnonzero(np.any(found != self.index_to_factors(check), axis=1))
        if len(wrong):
            i = check[wrong[0]]
            raise corrupt(self.name, path, f"is not in factor order: row {i} has factor classes "
                          f"{found[wrong[0]].tolist()}, expected {self.index_to_factors([i])[0].tolist()}")

    def __repr__(self):
        return f"{type(self).__name__}(path={getattr(self, 'path', None)!r})"
