import numpy as np
import pytest
import scipy.io

from kvae.data import Cars3D, CorruptDatasetError, MissingDatasetError, files, synthetic


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    return root, synthetic.write_cars3d(str(root / "cars"), 2)


def test_loads_factors_and_pixels(written, monkeypatch):
    root, ims = written
    monkeypatch.setenv("KVAE_DATA", str(root))
    data = Cars3D(factor_sizes=(4, 24, 2))
    assert data.factor_names == ("elevation", "azimuth", "object") and Cars3D.factor_sizes == (4, 24, 183)
    indices = np.array([0, len(data) - 1, 51, 2])
    factors = data.index_to_factors(indices)
    np.testing.assert_array_equal(data.factors_to_index(factors), indices)
    rendered = data.render(factors)
    assert rendered.shape == (4, 64, 64, 3) and rendered.dtype == np.uint8
    for (e, a, o), image in zip(factors, rendered):  # im is rows x cols x 3 x azimuth x elevation
        np.testing.assert_array_equal(image, files.resize_images(ims[o][None, :, :, :, a, e], 64)[0])


def test_errors(written, tmp_path, monkeypatch):
    monkeypatch.setenv("KVAE_DATA", str(tmp_path))
    with pytest.raises(MissingDatasetError, match=r"cars'.*KVAE_DATA.*scottreed.info"):
        Cars3D()
    with pytest.raises(CorruptDatasetError, match="holds 2 .mat files, expected 183"):
        Cars3D(directory=str(written[0] / "cars"))
    (tmp_path / "cars").mkdir()
    scipy.io.savemat(str(tmp_path / "cars" / "a.mat"), {"im": np.zeros((64, 64, 3, 24, 4), np.uint8)})
    with pytest.raises(
        CorruptDatasetError, match=r"'im' of shape \(64, 64, 3, 24, 4\), expected 128x128x3x24x4"
    ):
        Cars3D(factor_sizes=(4, 24, 1))
    (tmp_path / "cars" / "a.mat").write_bytes(b"not a mat file" * 20)
    with pytest.raises(CorruptDatasetError, match="not a MATLAB file"):
        Cars3D(factor_sizes=(4, 24, 1))
