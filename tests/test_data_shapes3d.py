import numpy as np
import pytest

import kvae.data
from kvae.data import CorruptDatasetError, MissingDatasetError, Shapes3D, make_dataset, synthetic

SIZES = (2, 3, 2, 2, 4, 3)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    (root / "3dshapes").mkdir()
    images = np.random.default_rng(0).integers(0, 256, (int(np.prod(SIZES)), 64, 64, 3), np.uint8)
    synthetic.write_shapes3d(str(root / "3dshapes" / "3dshapes.h5"), SIZES, images)
    return root, images


def test_loads_factors_and_pixels(written, monkeypatch):
    root, images = written
    monkeypatch.setenv("KVAE_DATA", str(root))
    data = kvae.data.get("shapes3d", factor_sizes=SIZES)
    assert data.factor_names == ("floor_hue", "wall_hue", "object_hue", "scale", "shape", "orientation")
    assert Shapes3D.factor_sizes == (10, 10, 10, 8, 4, 15) and data.factor_sizes == SIZES
    indices = np.array([0, len(data) - 1, 17, 17, 5])
    factors = data.index_to_factors(indices)
    np.testing.assert_array_equal(data.factors_to_index(factors), indices)
    rendered = data.render(factors)
    assert rendered.dtype == np.uint8
    np.testing.assert_array_equal(rendered, images[indices])
    factors, batch = next(iter(make_dataset(data, 6, seed=1, with_factors=True)))
    np.testing.assert_allclose(batch, images[data.factors_to_index(factors)] / 255.0, atol=1e-7)


def test_errors(written, tmp_path, monkeypatch):
    monkeypatch.setenv("KVAE_DATA", str(tmp_path))
    with pytest.raises(
        MissingDatasetError, match=r"3dshapes/3dshapes.h5.*KVAE_DATA.*storage.googleapis.com/3d-shapes"
    ):
        Shapes3D(path=None)
    path = str(written[0] / "3dshapes" / "3dshapes.h5")
    with pytest.raises(CorruptDatasetError, match=r"holds 288 images, expected 480000 \(10x10x10x8x4x15"):
        Shapes3D(path=path)
    truncated = tmp_path / "t.h5"
    truncated.write_bytes(open(path, "rb").read()[:100000])
    with pytest.raises(CorruptDatasetError, match="t.h5"):
        Shapes3D(path=str(truncated), factor_sizes=SIZES)
    import h5py

    with h5py.File(tmp_path / "rgba.h5", "w") as f:
        f["images"] = np.zeros((288, 64, 64, 4), np.uint8)
    with pytest.raises(
        CorruptDatasetError, match=r"'images' of shape \(288, 64, 64, 4\), expected Nx64x64x3"
    ):
        Shapes3D(path=str(tmp_path / "rgba.h5"), factor_sizes=SIZES)


def test_chunked_compressed_h5_is_read_by_sorted_chunks(written, tmp_path):
    import h5py

    from kvae.data import files

    _, images = written
    path = str(tmp_path / "chunked.h5")
    with h5py.File(written[0] / "3dshapes" / "3dshapes.h5", "r") as src, h5py.File(path, "w") as f:
        f.create_dataset("images", data=src["images"][()], chunks=(4, 64, 64, 3), compression="gzip")
        f["labels"] = src["labels"][()]
    data = Shapes3D(path=path, factor_sizes=SIZES)
    assert isinstance(data.images, files.H5Array)
    indices = np.array([200, 3, 3, 287, 0])
    np.testing.assert_array_equal(data.render(data.index_to_factors(indices)), images[indices])
