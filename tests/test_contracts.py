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

# On 2 shared cores the logistic regressions' cross-validation takes over a minute, even on tiny sets.
SLOW_METRICS = {"downstream_logistic_regression"}
AUGMENTED_LOSS = "mse_box_r31_l1.0_k3969.0"  # the augmented loss of Michlo et al. 2023 (section 6)


@pytest.mark.parametrize("name", list(frames.FRAMES))
def test_frame(name):
    run_frame_test(frames.FRAMES[name])


@pytest.mark.parametrize(
    "name", [name for name in losses.known_names() if not name.startswith("<")] + [AUGMENTED_LOSS]
)
def test_loss(name):
    run_loss_test(name)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=[pytest.mark.slow] if name in SLOW_METRICS else [])
        for name in metrics.METRICS
    ],
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
        **{
            name: {"path": mpi3d, "factor_sizes": (2, 2, 2, 3, 3, 2, 2)}
            for name in ("mpi3d_toy", "mpi3d_realistic", "mpi3d_real")
        },
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


class FortranOrder(kvae.data.XYSquares):
    """XYSquares whose flat indices run in Fortran order (the first factor fastest): breaks the contract."""

    def index_to_factors(self, indices):
        return np.stack(np.unravel_index(np.asarray(indices), self.factor_sizes, order="F"), axis=-1).astype(
            np.int64
        )

    def factors_to_index(self, factors):
        return np.ravel_multi_index(tuple(np.asarray(factors).T), self.factor_sizes, order="F").astype(
            np.int64
        )


class BatchMean(losses.MeanSquaredError):
    """Squared error averaged over the batch, one value in place of one per example: breaks the contract."""

    def __call__(self, x, logits):
        return np.mean(np.asarray(super().__call__(x, logits)), keepdims=True)


def unseeded_mig(data, representation_fn, random_state, **settings):
    """MIG on a sample drawn from fresh entropy whatever the seed: breaks the contract."""
    return metrics.compute_mig(data, representation_fn, np.random.default_rng(), **settings)


def test_the_contracts_catch_what_breaks_them():
    with pytest.raises(AssertionError, match="index_to_factors is not C order"):
        run_dataset_test(FortranOrder(grid_size=2, grid_spacing=8))
    with pytest.raises(AssertionError, match=r"expected float32 \[4\] per example"):
        run_loss_test(BatchMean())
    with pytest.raises(AssertionError, match="the same seed gave another result"):
        run_metric_test(unseeded_mig, settings={"num_train": 200})
    with pytest.raises(AssertionError, match="scores .* a random one"):
        run_metric_test(metrics.compute_mig, settings={"num_train": 200}, score=lambda result: -result["mig"])
