"""Every registered frame, dataset, reconstruction loss and metric passes its `kvae.testing` contract.

The cases come from the registries, so registering a new one tests it; nothing here names a frame,
a procedural dataset or a loss. File-backed datasets read tiny files written in their released
formats (`kvae.data.synthetic`); a registered dataset whose file nothing here writes is skipped with
the error that names the file.
"""

import numpy as np
import pytest
from PIL import Image

import kvae.data
from kvae import frames, losses, metrics
from kvae.data import MissingDatasetError, synthetic
from kvae.testing import run_dataset_test, run_frame_test, run_loss_test, run_metric_test, tiny_xysquares

# Measured on 2 shared cores: the logistic regressions' cross-validation takes over a minute even on tiny sets.
SLOW_METRICS = {"downstream_logistic_regression"}
AUGMENTED_LOSS = "mse_box_r31_l1.0_k3969.0"  # the augmented loss of Michlo et al. 2023 (section 6)


@pytest.mark.parametrize("name", list(frames.FRAMES))
def test_frame(name):
    run_frame_test(frames.FRAMES[name])


@pytest.mark.parametrize("name", [name for name in losses.known_names() if not name.startswith("<")] + [AUGMENTED_LOSS])
def test_loss(name):
    run_loss_test(name)


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=[pytest.mark.slow] if name in SLOW_METRICS else []) for name in metrics.METRICS]
)
def test_metric(name):
    run_metric_test(name)


@pytest.fixture(scope="module")
def tiny_files(tmp_path_factory):
    """{dataset name: constructor arguments} reading tiny files in each released format, and wrapper bases."""
    root = tmp_path_factory.mktemp("data")
    dsprites = str(root / "dsprites.npz")
    synthetic.write_dsprites(dsprites, (3, 2, 2, 3, 4))
    scream = str(root / "scream.jpg")
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (80, 100, 3), np.uint8)).save(scream)
    shapes3d = str(root / "3dshapes.h5")
    synthetic.write_shapes3d(shapes3d, (2, 3, 2, 2, 4, 3))
    mpi3d = str(root / "mpi3d.npz")
    synthetic.write_mpi3d(mpi3d, (2, 2, 2, 3, 3, 2, 2))
    synthetic.write_smallnorb(str(root / "small_norb"), (2, 2, 3, 2, 2))
    synthetic.write_cars3d(str(root / "cars"), 2)
    base = tiny_xysquares()
    dsprites_args = {"path": dsprites, "factor_sizes": (3, 2, 2, 3, 4)}
    return {
        "dsprites": dsprites_args,
        "color_dsprites": dsprites_args,
        "noisy_dsprites": dsprites_args,
        "scream_dsprites": {**dsprites_args, "image_path": scream},
        "shapes3d": {"path": shapes3d, "factor_sizes": (2, 3, 2, 2, 4, 3)},
        **{name: {"path": mpi3d, "factor_sizes": (2, 2, 2, 3, 3, 2, 2)} for name in ("mpi3d_toy", "mpi3d_realistic", "mpi3d_real")},
        "smallnorb": {"directory": str(root / "small_norb"), "factor_sizes": (2, 3, 2, 2)},
        "cars3d": {"directory": str(root / "cars"), "factor_sizes": (4, 24, 2)},
        "perturbed": {"base": base, "s": np.linspace(-4.0, 4.0, len(base))},
        "perturbation_factor": {"base": base, "num_values": 4},
        "uniform_noise": {"base": base},
    }


@pytest.mark.parametrize("name", kvae.data.registry.names())
def test_dataset(name, tiny_files, tmp_path, monkeypatch):
    monkeypatch.setenv("KVAE_DATA", str(tmp_path))  # an empty data root: only the files written here
    monkeypatch.delenv("DISENTANGLEMENT_LIB_DATA", raising=False)
    try:
        data = kvae.data.get(name, **tiny_files.get(name, {}))
    except MissingDatasetError as error:
        pytest.skip(str(error).splitlines()[0])
    run_dataset_test(data)
