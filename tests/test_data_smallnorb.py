import numpy as np
import pytest

from kvae.data import CorruptDatasetError, MissingDatasetError, SmallNORB, files, make_dataset, synthetic

GRID = (2, 2, 3, 2, 2)  # category, instance, elevation, azimuth, lighting


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    features, images = synthetic.write_smallnorb(str(root / "small_norb"), GRID)
    return root, features, images


def test_header_magic_defines_dtype_and_dims(tmp_path):
    for array in (
        np.arange(6, dtype=np.int32),
        np.ones((2, 3, 4, 5), np.uint8),
        np.zeros((3, 4), np.float32),
    ):
        synthetic.write_matrix(str(tmp_path / "m.mat"), array)
        from kvae.data.smallnorb import open_matrix

        read = open_matrix("smallnorb", str(tmp_path / "m.mat"))
        assert read.shape == array.shape and read.dtype == array.dtype
        np.testing.assert_array_equal(read[:], array)


def test_loads_factors_and_pixels(written, monkeypatch):
    root, features, images = written
    monkeypatch.setenv("KVAE_DATA", str(root))
    data = SmallNORB(factor_sizes=(2, 3, 2, 2))
    assert data.factor_names == ("category", "elevation", "azimuth", "lighting") and data.num_instances == 2
    assert SmallNORB.factor_sizes == (5, 9, 18, 6)
    indices = np.arange(len(data))
    factors = data.index_to_factors(indices)
    np.testing.assert_array_equal(data.factors_to_index(factors), indices)
    rendered = data.render(factors)
    assert rendered.shape == (24, 64, 64, 1) and rendered.dtype == np.uint8
    # Each element is the resized left image of one instance with its factors (azimuth as released / 2).
    for f, image in zip(factors, rendered):
        rows = np.flatnonzero(np.all(features[:, [0, 2, 3, 4]] == [f[0], f[1], 2 * f[2], f[3]], axis=1))
        expected = [files.resize_images(images[r, :1, :, :], 64)[0] for r in rows]
        assert any(np.array_equal(image[..., 0], e) for e in expected)
    instances = {data.render(factors[:1], draws=[d]).tobytes() for d in range(20)}
    assert len(instances) == 2  # the instance is drawn per draw
    a, b = (next(iter(make_dataset(data, 8, seed=2))) for _ in range(2))
    np.testing.assert_array_equal(a, b)


def test_errors(written, tmp_path, monkeypatch):
    root = written[0]
    monkeypatch.setenv("KVAE_DATA", str(tmp_path))
    with pytest.raises(
        MissingDatasetError, match=r"small_norb/smallnorb-5x46789x9x18x6x2x96x96-training-dat.mat.*cs.nyu.edu"
    ):
        SmallNORB()
    with pytest.raises(CorruptDatasetError, match=r"factor sizes \(2, 3, 2, 2\), expected \(5, 9, 18, 6\)"):
        SmallNORB(directory=str(root / "small_norb"))
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in (root / "small_norb").iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    dat = bad / "smallnorb-5x01235x9x18x6x2x96x96-testing-dat.mat"
    dat.write_bytes(dat.read_bytes()[:50000])
    with pytest.raises(CorruptDatasetError, match="truncated"):
        SmallNORB(directory=str(bad), factor_sizes=(2, 3, 2, 2))
    dat.write_bytes(b"\x00" * 64)
    with pytest.raises(CorruptDatasetError, match="magic number 0x0, expected one of 0x1E3D4C51"):
        SmallNORB(directory=str(bad), factor_sizes=(2, 3, 2, 2))
    synthetic.write_matrix(str(dat), np.zeros((12, 2, 32, 32), np.uint8))
    with pytest.raises(CorruptDatasetError, match=r"'dat' of shape \(12, 2, 32, 32\), expected Nx2x96x96"):
        SmallNORB(directory=str(bad), factor_sizes=(2, 3, 2, 2))
