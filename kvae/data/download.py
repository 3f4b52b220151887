"""Fetching the file-backed datasets from their published URLs into the data root (`kvae-download`).

Each dataset is a `Source`: the published files (`Remote`: URL, place under the
data root, size and hashes where published) and, where a loader needs it, a
conversion into what the loader reads. The URLs are those of
disentanglement_lib's `bin/dlib_download_data` and of disent. The sha256 and
sizes are those TensorFlow Datasets publishes (its `checksums.tsv`), the md5s
those disent pins (its "full" file hashes).

Nothing is replaced until it is verified: a file is fetched into `<path>.part`
(resumed with an HTTP Range request after an interruption, also by a later run),
its size and hashes are checked, and only then renamed into place; conversions
write to temporary names and rename when complete. A download whose hash does
not match is deleted and reported; the file it would have replaced is left alone.

    from kvae.data import download
    download.download("shapes3d")              # into $KVAE_DATA (or $DISENTANGLEMENT_LIB_DATA)
"""

import dataclasses
import gzip
import hashlib
import http.client
import os
import shutil
import socket
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
import zlib

import numpy as np

from kvae.data import files
from kvae.data.arguments import check_int
from kvae.errors import KvaeError
from kvae.io import atomic_path

__all__ = ["ALIASES", "MIRROR_ENV_VAR", "Remote", "SOURCES", "Source", "download", "fetch", "names"]

MIRROR_ENV_VAR = "KVAE_DOWNLOAD_MIRROR"
CHUNK = 1 << 20


@dataclasses.dataclass(frozen=True)
class Remote:
    """A published file: its URL, its place under the data root, and its size and hashes where known."""

    url: str
    path: str
    size: int = None
    sha256: str = None
    md5: str = None


@dataclasses.dataclass(frozen=True)
class Source:
    """A dataset's files, what its loader reads (`outputs`, under the data root) and how to get there.

    `convert(root, paths)` turns the verified downloads (absolute `paths`) into
    the outputs, writing each under a temporary name first; without it the
    downloads are the outputs.
    """

    remotes: tuple
    outputs: tuple
    convert: object = None


class Interrupted(Exception):
    """A transfer that stopped before its end (it can be resumed)."""


def names():
    """The names `download` knows (sources and the dataset names that use them), sorted."""
    return sorted(set(SOURCES) | set(ALIASES))


def download(name, root=None, mirror=None, force=False, retries=3, sources=None, log=print):
    """Fetches, verifies and converts dataset `name` into `root`; returns the output paths.

    Args:
        name: a name of `names()` ("dsprites", "shapes3d", "smallnorb", ...).
        root: the data root; default `files.data_root()` ($KVAE_DATA, else
            $DISENTANGLEMENT_LIB_DATA, else the working directory).
        mirror: a URL base laid out like the data root, replacing the published
            URLs (default `$KVAE_DOWNLOAD_MIRROR`; tests serve files this way).
        force: fetch again even when the outputs exist (they are replaced only
            once the new files are verified).
        retries: how many times an interrupted transfer is resumed before giving up.
        sources: the table of sources (default `SOURCES`).
        log: where progress lines go.
    """
    sources = SOURCES if sources is None else sources
    if name in ALIASES and name not in sources:
        return [path for part in ALIASES[name] for path in download(part, root, mirror, force, retries, sources, log)]
    if name not in sources:
        known = sorted(set(sources) | set(ALIASES)) if sources is SOURCES else sorted(sources)
        raise KvaeError(f"unknown dataset {name!r} to download; expected one of {', '.join(known)}")
    source = sources[name]
    retries = check_int("download", "retries", retries, low=0)
    root = os.path.abspath(root or files.data_root())
    mirror = os.environ.get(MIRROR_ENV_VAR) if mirror is None else mirror
    outputs = [os.path.join(root, path) for path in source.outputs]
    if not force and all(os.path.exists(path) for path in outputs):
        log(f"{name}: already in {root} ({', '.join(source.outputs)}); --force fetches it again")
        return outputs
    paths = [fetch(remote, root, mirror, retries, log=lambda line: log(f"{name}: {line}")) for remote in source.remotes]
    if source.convert is not None:
        source.convert(root, paths)
        for path in paths:
            if path not in outputs:
                os.remove(path)
    log(f"{name}: ready in {root}")
    return outputs


def fetch(remote, root, mirror=None, retries=3, log=print, wait=1.0):
    """Downloads `remote` to `<root>/<remote.path>`, resuming and verifying; returns that path."""
    target = os.path.join(root, remote.path)
    part = target + ".part"
    url = remote.url if not mirror else f"{mirror.rstrip('/')}/{remote.path}"
    os.makedirs(os.path.dirname(target), exist_ok=True)
    start = time.monotonic()
    for attempt in range(retries + 1):
        resumed_at = os.path.getsize(part) if os.path.exists(part) else 0
        log(f"{'resuming' if resumed_at else 'downloading'} {url}" + (f" at byte {resumed_at}" if resumed_at else ""))
        try:
            _transfer(url, part, remote.size)
            break
        except Interrupted as error:
            if attempt == retries:
                raise KvaeError(
                    f"download of {url} interrupted ({error}) after {retries + 1} attempts; {part} keeps "
                    f"{os.path.getsize(part) if os.path.exists(part) else 0} bytes: run the same command to resume"
                ) from None
            time.sleep(wait * (attempt + 1))
    verify(part, remote, url)
    os.replace(part, target)
    size = os.path.getsize(target)
    checked = [kind for kind in ("sha256", "md5") if getattr(remote, kind)] or ["no published hash"]
    log(f"{remote.path}: {size / 1e6:.1f} MB in {time.monotonic() - start:.0f} s, verified: {', '.join(checked)}")
    return target


def _transfer(url, part, expected_size=None):
    """Appends the rest of `url` to `part` (a Range request when it has bytes); raises `Interrupted`."""
    have = os.path.getsize(part) if os.path.exists(part) else 0
    if expected_size is not None and have > expected_size:  # not a prefix of the file: start again
        os.remove(part)
        have = 0
    headers = {"User-Agent": "kvae-download", "Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:  # the partial file is already whole
            return
        raise KvaeError(f"download of {url} failed: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        raise Interrupted(f"{getattr(error, 'reason', error)}") from None
    with response:
        appending = have and response.status == 206 and response.headers.get("Content-Range", "").startswith(f"bytes {have}-")
        length = response.headers.get("Content-Length")
        total = (have if appending else 0) + int(length) if length is not None else None
        try:
            with open(part, "ab" if appending else "wb") as out:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except (http.client.IncompleteRead, ConnectionError, socket.timeout, OSError) as error:
            raise Interrupted(f"{type(error).__name__}") from None
    if total is not None and os.path.getsize(part) < total:
        raise Interrupted(f"{os.path.getsize(part)} of {total} bytes")


def verify(path, remote, url):
    """Checks the size and published hashes of a download; removes it and raises when one differs."""
    size = os.path.getsize(path)
    digests = {"sha256": hashlib.sha256(), "md5": hashlib.md5()}
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            for digest in digests.values():
                digest.update(chunk)
    found = {"size": size, **{kind: digest.hexdigest() for kind, digest in digests.items()}}
    for kind in ("size", "sha256", "md5"):
        expected = getattr(remote, kind)
        if expected is not None and found[kind] != expected:
            os.remove(path)
            raise KvaeError(
                f"the download of {url} has {kind} {found[kind]}, expected {expected} (the published value): "
                f"it is corrupt or not the released file, so it was removed and nothing was replaced"
            )


# Conversions: each writes its outputs under temporary names and renames them when complete
# (`kvae.io.atomic_path`; Cars3D's directory is swapped in whole).


def gunzip(root, paths):
    """`x.mat.gz` -> `x.mat` beside it (SmallNORB's release is gzipped; the loader reads the matrices)."""
    for path in paths:
        try:
            with atomic_path(path[: -len(".gz")]) as temp, gzip.open(path, "rb") as source, open(temp, "wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
        except (OSError, EOFError, zlib.error) as error:
            raise files.unreadable("download", path, error) from None


def extract_cars(root, paths):
    """`nips2015-analogy-data.tar.gz` -> `<root>/cars/*.mat` (its `data/cars/`), as dlib_download_data does."""
    target = os.path.join(root, "cars")
    temp = f"{target}.tmp-{os.getpid()}"
    os.makedirs(temp)
    try:
        with tarfile.open(paths[0], "r:gz") as archive:
            for member in archive:
                if member.isfile() and member.name.startswith("data/cars/") and member.name.endswith(".mat"):
                    with archive.extractfile(member) as source, open(os.path.join(temp, os.path.basename(member.name)), "wb") as out:
                        shutil.copyfileobj(source, out, CHUNK)
        if not os.listdir(temp):
            raise files.corrupt("cars3d", paths[0], "holds no data/cars/*.mat")
        _replace_directory(temp, target)
    except (OSError, EOFError, zlib.error, tarfile.TarError) as error:
        raise files.unreadable("cars3d", paths[0], error) from None
    finally:
        if os.path.exists(temp):
            shutil.rmtree(temp)


def _replace_directory(new, target):
    old = f"{target}.old-{os.getpid()}"
    if os.path.exists(target):
        os.replace(target, old)
    os.replace(new, target)
    if os.path.exists(old):
        shutil.rmtree(old)


def dsprites_npz(root, paths):
    """dSprites' hdf5 release -> an uncompressed npz of the same arrays, read in place by `DSprites`.

    The hdf5 file (the one with a published sha256) stores `imgs` in gzip
    chunks, which random reads would decompress over and over.
    """
    import h5py

    from kvae.data import synthetic

    try:
        with atomic_path(paths[0][: -len(".hdf5")] + ".npz") as temp, h5py.File(paths[0], "r") as f:
            imgs, classes, values = f["imgs"], f["latents/classes"][()], f["latents/values"][()]
            synthetic.write_npz(temp, {
                "imgs": (imgs.shape, np.uint8, lambda start, stop: imgs[start:stop]),
                "latents_classes": (classes.shape, np.int64, classes),
                "latents_values": (values.shape, np.float64, values),
            })
    except (OSError, KeyError, RuntimeError, ValueError, zipfile.BadZipFile) as error:
        raise files.unreadable("dsprites", paths[0], error) from None


def _smallnorb():
    base = "https://cs.nyu.edu/~ylclab/data/norb-v1.0-small/"
    published = {  # name: (size, sha256 from TensorFlow Datasets, md5 from disent)
        "5x46789x9x18x6x2x96x96-training-dat": (131896188, "5ffd6272a07d32695ee1082a26a41a93a37aab8c28da047f8c34ed348d214873", "66054832f9accfe74a0f4c36a75bc0a2"),
        "5x46789x9x18x6x2x96x96-training-cat": (348, "2784e542c1922060691090952b6cd6278879a216c90f81476f0f00256d42cdaa", "23c8b86101fbf0904a000b43d3ed2fd9"),
        "5x46789x9x18x6x2x96x96-training-info": (71052, "de7eb932ebe7a4ee16217fead60660d0eb3d23632c2f4d1c51f88c501c17bf32", "51dee1210a742582ff607dfd94e332e3"),
        "5x01235x9x18x6x2x96x96-testing-dat": (130799817, "cf7104eed3e51174d2f65b66d1e5878b9da233b886f161b0d88f4510ba2c7474", "e4ad715691ed5a3a5f138751a4ceb071"),
        "5x01235x9x18x6x2x96x96-testing-cat": (347, "ecaf6d5bb8c3bc5eab9cf0258f6d2198dd474e016e374836fc097f2e5ff509ff", "5aa791cd7e6016cf957ce9bdb93b8603"),
        "5x01235x9x18x6x2x96x96-testing-info": (10428, "16adf314226327ee006d1a44db8cfef52773c06c829951d5653a9f6f310248a2", "a9454f3864d7fd4bb3ea7fc3eb84924e"),
    }
    remotes = tuple(Remote(f"{base}smallnorb-{name}.mat.gz", f"small_norb/smallnorb-{name}.mat.gz", size, sha256, md5)
                    for name, (size, sha256, md5) in published.items())
    return Source(remotes, tuple(remote.path[: -len(".gz")] for remote in remotes), gunzip)


def _mpi3d(name, url, md5=None):
    return Source((Remote(url, f"{name}/{name}.npz", md5=md5),), (f"{name}/{name}.npz",))


_DSPRITES = "dsprites/dsprites_ndarray_co1sh3sc6or40x32y32_64x64"
_MPI3D = "https://storage.googleapis.com/disentanglement_dataset/"

SOURCES = {
    "dsprites": Source(
        (Remote("https://github.com/deepmind/dsprites-dataset/raw/master/dsprites_ndarray_co1sh3sc6or40x32y32_64x64.hdf5",
                f"{_DSPRITES}.hdf5", 28024106, "729fa22e884c9c500e1f17415d580746b4c5894fbbb780a1319bbcfa39a745bb",
                "b331c4447a651c44bf5e8ae09022e230"),),
        (f"{_DSPRITES}.npz",), dsprites_npz),
    "scream": Source((Remote("https://upload.wikimedia.org/wikipedia/commons/f/f4/The_Scream.jpg", "scream/scream.jpg"),),
                     ("scream/scream.jpg",)),
    "shapes3d": Source(
        (Remote("https://storage.googleapis.com/3d-shapes/3dshapes.h5", "3dshapes/3dshapes.h5", 267573662,
                "0a0f6ed98baff276a50f3a081a7434d788da63cb135a98189b2a5b5769be1785", "099a2078d58cec4daad0702c55d06868"),),
        ("3dshapes/3dshapes.h5",)),
    "smallnorb": _smallnorb(),
    "cars3d": Source(
        (Remote("http://www.scottreed.info/files/nips2015-analogy-data.tar.gz", "nips2015-analogy-data.tar.gz",
                md5="4e866a7919c1beedf53964e6f7a23686"),),
        ("cars",), extract_cars),
    # mpi3d_toy: dlib_download_data's file (460800 images); realistic and real: disent's (no dlib URL).
    "mpi3d_toy": _mpi3d("mpi3d_toy", f"{_MPI3D}data_npz/sim_toy_64x_ordered_without_heldout_factors.npz"),
    "mpi3d_realistic": _mpi3d("mpi3d_realistic", f"{_MPI3D}Final_Dataset/mpi3d_realistic.npz", "59a6225b88b635365f70c91b3e52f70f"),
    "mpi3d_real": _mpi3d("mpi3d_real", f"{_MPI3D}Final_Dataset/mpi3d_real.npz", "0f33f609918fb5c97996692f91129802"),
}

# Datasets read from another one's files: the dSprites variants.
ALIASES = {"color_dsprites": ("dsprites",), "noisy_dsprites": ("dsprites",), "scream_dsprites": ("dsprites", "scream")}
