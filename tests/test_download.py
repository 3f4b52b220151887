"""kvae-download against a local HTTP server that serves files written by the test."""

import gzip
import hashlib
import http.server
import io
import os
import tarfile
import threading

import numpy as np
import pytest

from kvae.data import download, synthetic
from kvae.data.cars3d import Cars3D
from kvae.data.dsprites_files import DSprites
from kvae.data.smallnorb import SmallNORB
from kvae.errors import KvaeError


class Server:
    """A threaded HTTP server on 127.0.0.1 serving `files` {path: bytes}, with Range support.

    `cut[path] = n` makes the next n responses for `path` send the full
    Content-Length but close the connection halfway through the body.
    `requests` records (path, Range header) of every GET.
    """

    def __init__(self):
        self.files, self.cut, self.requests = {}, {}, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path.lstrip("/")
                server.requests.append((path, self.headers.get("Range")))
                if path not in server.files:
                    self.send_error(404)
                    return
                body, start = server.files[path], 0
                if self.headers.get("Range"):
                    start = int(self.headers["Range"].split("=")[1].rstrip("-"))
                    if start >= len(body):
                        self.send_error(416)
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                if server.cut.get(path, 0) > 0:
                    server.cut[path] -= 1
                    self.wfile.write(body[start : start + (len(body) - start) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body[start:])

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def remote(self, path, body, pin=True):
        """Serves `body` at `path`; returns a `Remote` pinned to its size and sha256 (unless `pin` is False)."""
        self.files[path] = body
        hashes = dict(size=len(body), sha256=hashlib.sha256(body).hexdigest()) if pin else {}
        return download.Remote(f"{self.url}/{path}", path, **hashes)


@pytest.fixture
def server():
    server = Server()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


BODY = np.random.default_rng(0).bytes(300_000)


def quiet(*args):
    pass


def test_fetch_verifies_and_places_the_file(server, tmp_path):
    remote = server.remote("data/file.bin", BODY)
    path = download.fetch(remote, str(tmp_path), log=quiet)
    assert open(path, "rb").read() == BODY and path == str(tmp_path / "data" / "file.bin")
    assert server.requests == [("data/file.bin", None)]
    assert os.listdir(tmp_path / "data") == ["file.bin"]


def test_interrupted_transfer_is_resumed_with_a_range_request(server, tmp_path):
    remote = server.remote("file.bin", BODY)
    server.cut["file.bin"] = 1
    download.fetch(remote, str(tmp_path), log=quiet, wait=0)
    assert open(tmp_path / "file.bin", "rb").read() == BODY
    assert server.requests == [("file.bin", None), ("file.bin", f"bytes={len(BODY) // 2}-")]


def test_a_transfer_that_keeps_failing_keeps_its_part_for_the_next_run(server, tmp_path):
    remote = server.remote("file.bin", BODY)
    server.cut["file.bin"] = 2
    with pytest.raises(KvaeError, match=r"interrupted .* after 2 attempts; .*file.bin.part keeps 225000 bytes: run the same command to resume"):
        download.fetch(remote, str(tmp_path), retries=1, log=quiet, wait=0)
    assert os.path.getsize(tmp_path / "file.bin.part") == 225_000  # half, then half of the rest
    assert not os.path.exists(tmp_path / "file.bin")
    download.fetch(remote, str(tmp_path), log=quiet)  # a later run resumes where it stopped
    assert open(tmp_path / "file.bin", "rb").read() == BODY
    assert server.requests[-1] == ("file.bin", "bytes=225000-")


def test_a_corrupt_download_never_replaces_a_good_file(server, tmp_path):
    good = server.remote("file.bin", BODY)
    download.fetch(good, str(tmp_path), log=quiet)
    server.files["file.bin"] = BODY[:-1] + b"\x00"  # same size, one byte differs
    sources = {"thing": download.Source((good,), ("file.bin",))}
    with pytest.raises(KvaeError) as error:
        download.download("thing", str(tmp_path), force=True, sources=sources, log=quiet)
    message = str(error.value)
    assert "\n" not in message and f"has sha256 {hashlib.sha256(server.files['file.bin']).hexdigest()}" in message
    assert f"expected {good.sha256}" in message and "nothing was replaced" in message
    assert open(tmp_path / "file.bin", "rb").read() == BODY
    assert sorted(os.listdir(tmp_path)) == ["file.bin"]  # the corrupt .part was removed
    with pytest.raises(KvaeError, match="unknown dataset 'dsprite' to download; expected one of cars3d, color_dsprites"):
        download.download("dsprite", str(tmp_path))
    with pytest.raises(KvaeError, match="HTTP 404"):
        download.fetch(download.Remote(f"{server.url}/none", "none"), str(tmp_path), log=quiet)


def test_dsprites_hdf5_is_verified_and_converted_to_the_npz_the_loader_reads_in_place(server, tmp_path):
    sizes = (1, 1, 2, 2, 3)
    source_file = str(tmp_path / "source.hdf5")
    synthetic.write_dsprites(source_file, sizes)
    remote = server.remote(download.SOURCES["dsprites"].remotes[0].path, open(source_file, "rb").read())
    sources = {"dsprites": download.Source((remote,), download.SOURCES["dsprites"].outputs, download.dsprites_npz)}
    root = tmp_path / "root"
    lines = []
    (output,) = download.download("dsprites", str(root), sources=sources, log=lines.append)
    assert os.listdir(root / "dsprites") == ["dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz"]  # hdf5 removed
    converted, original = DSprites(path=output, factor_sizes=sizes), DSprites(path=source_file, factor_sizes=sizes)
    assert type(converted.images).__name__ == "ArrayFile"  # read in place, no decompression
    np.testing.assert_array_equal(converted.render(converted.index_to_factors(np.arange(12))),
                                  original.render(original.index_to_factors(np.arange(12))))
    assert any("verified: sha256" in line for line in lines) and lines[-1] == f"dsprites: ready in {root}"
    download.download("dsprites", str(root), sources=sources, log=lines.append)
    assert "already in" in lines[-1] and len(server.requests) == 1


def test_smallnorb_is_gunzipped_and_cars3d_extracted_for_their_loaders(server, tmp_path):
    raw = tmp_path / "raw"
    synthetic.write_smallnorb(str(raw), sizes=(2, 2, 1, 2, 1))
    remotes = []
    for name in sorted(os.listdir(raw)):
        remotes.append(server.remote(f"small_norb/{name}.gz", gzip.compress(open(raw / name, "rb").read())))
    norb = download.Source(tuple(remotes), tuple(r.path[:-3] for r in remotes), download.gunzip)
    synthetic.write_cars3d(str(raw / "cars"), num_objects=2)
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        for name in sorted(os.listdir(raw / "cars")):
            tar.add(raw / "cars" / name, arcname=f"data/cars/{name}")
        tar.add(raw / "cars" / name, arcname="data/sprites/other.mat")  # not a car: left out
    cars = download.Source((server.remote("nips2015-analogy-data.tar.gz", archive.getvalue()),), ("cars",), download.extract_cars)
    root = tmp_path / "root"
    sources = {"smallnorb": norb, "cars3d": cars}
    download.download("smallnorb", str(root), sources=sources, log=quiet)
    download.download("cars3d", str(root), sources=sources, log=quiet)
    assert sorted(os.listdir(root)) == ["cars", "small_norb"]
    assert sorted(os.listdir(root / "small_norb")) == sorted(n for n in os.listdir(raw) if n.endswith(".mat"))  # no .gz
    assert sorted(os.listdir(root / "cars")) == ["car_000_mesh.mat", "car_001_mesh.mat"]
    assert len(SmallNORB(directory=str(root / "small_norb"), factor_sizes=(2, 1, 2, 1))) == 4
    assert len(Cars3D(directory=str(root / "cars"), factor_sizes=(4, 24, 2))) == 192


def test_published_sources_pin_the_hashes_that_are_published():
    sources = download.SOURCES
    assert set(download.names()) >= {"dsprites", "shapes3d", "smallnorb", "cars3d", "mpi3d_toy", "mpi3d_realistic",
                                     "mpi3d_real", "color_dsprites", "scream_dsprites"}
    pinned = {r.path for s in sources.values() for r in s.remotes if r.sha256}
    assert len(pinned) == 8  # dSprites' hdf5, 3dshapes.h5 and the six SmallNORB files (TensorFlow Datasets' checksums)
    for source in sources.values():
        for remote in source.remotes:
            assert remote.url.startswith(("https://", "http://www.scottreed.info/"))
            assert remote.sha256 is None or len(remote.sha256) == 64
            assert remote.md5 is None or len(remote.md5) == 32


def test_cli_fetches_and_never_replaces_a_good_file_with_a_corrupt_one(server, tmp_path, kvae_cli):
    root = tmp_path / "root"
    # mpi3d_toy has no published hash: checked by size only, then placed.
    server.files["mpi3d_toy/mpi3d_toy.npz"] = BODY
    result = kvae_cli("download", "mpi3d_toy", f"--data_root={root}", f"--mirror={server.url}")
    assert result.returncode == 0, result.stderr
    assert open(root / "mpi3d_toy" / "mpi3d_toy.npz", "rb").read() == BODY
    assert "verified: no published hash" in result.stdout and f"mpi3d_toy: ready in {root}" in result.stdout
    # shapes3d's pinned size and sha256 refuse anything but the released file; the good file stays.
    (root / "3dshapes").mkdir()
    (root / "3dshapes" / "3dshapes.h5").write_bytes(b"good")
    server.files["3dshapes/3dshapes.h5"] = BODY
    result = kvae_cli("download", "shapes3d", f"--data_root={root}", f"--mirror={server.url}", "--force")
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("kvae-download")]  # TF may log too
    assert result.returncode == 1 and error.startswith("kvae-download: error: the download of"), result.stderr
    assert "has size 300000, expected 267573662 (the published value)" in error
    assert (root / "3dshapes" / "3dshapes.h5").read_bytes() == b"good" and os.listdir(root / "3dshapes") == ["3dshapes.h5"]
