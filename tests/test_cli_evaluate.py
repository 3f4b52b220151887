"""kvae-evaluate on a run directory: results files, settings, seeds and errors."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import kvae  # noqa: F401
from kvae import data, evaluation, frames, io, metrics, nets
from kvae.run_directory import RunDirectory

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A run directory as kvae-train leaves it, with an untrained XYSquares beta-VAE."""
    run = RunDirectory(tmp_path_factory.mktemp("runs") / "run")
    shape = (64, 64, 3)
    model = frames.BetaVAE(nets.ConvEncoder(4, shape), nets.ConvDecoder(shape), beta=2.0, seed=0)
    model.build((None,) + shape)
    model.compile(optimizer=keras.optimizers.Adam(1e-4))
    os.makedirs(os.path.dirname(run.gin))
    with open(run.gin, "w") as f:
        f.write("dataset.name = 'xysquares'\nXYSquares.grid_spacing = 4\n")
    model.save(run.model)
    io.write_json(run.train_results, {"status": "finished", "seed": 7})
    return run


def kvae_evaluate(model_dir, *bindings, configs=()):
    command = [sys.executable, "-m", "kvae.cli.evaluate", f"--model_dir={model_dir}"]
    command += [f"--gin_config={c}" for c in configs] + [f"--gin_bindings={b}" for b in bindings]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL, cwd=REPO
    )


def test_evaluate_writes_each_metric_with_settings_seed_and_dataset(run_dir):
    result = kvae_evaluate(
        run_dir.root,
        "evaluate.metrics = ['mig', 'active_units']",
        "mig.num_train = 400",
        "active_units.num_points = 200",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    mig = json.loads(open(run_dir.eval_results("mig")).read())
    assert mig["dataset"] == "xysquares" and mig["seed"] == 7 and mig["settings"]["num_train"] == 400
    assert mig["settings"]["num_bins"] == 20

    # The same numbers as the library computes directly with the same seed and dataset.
    model = keras.saving.load_model(run_dir.model)
    direct = metrics.compute_mig(
        data.XYSquares(grid_spacing=4),
        metrics.representation_function(model, mode="posterior"),
        7,
        num_train=400,
    )
    np.testing.assert_allclose(mig["values"]["mig"], direct["mig"], rtol=1e-6)
    units = json.loads(open(run_dir.eval_results("active_units")).read())
    assert len(units["values"]["mean_posterior_variance"]) == 4
    assert f"mig: {{'mig': {round(direct['mig'], 4)}}}" in result.stdout


def test_metric_settings_merge_defaults_and_bindings():
    import gin

    with gin.unlock_config():
        gin.parse_config("mig.num_bins = 5")
    try:
        assert evaluation.metric_settings("mig")["num_bins"] == 5
        assert evaluation.metric_settings("mig")["num_train"] == 10000
    finally:
        gin.clear_config()


@pytest.mark.parametrize(
    "bindings,message",
    [
        (("evaluate.metrics = ['migg']",), "unknown metric 'migg'; known metrics: "),
        (("evaluate.metrics = ['mig']", "mig.num_trains = 3"), "num_trains"),
    ],
)
def test_bad_input_is_a_one_line_error(run_dir, bindings, message):
    result = kvae_evaluate(run_dir.root, *bindings)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("kvae-evaluate: error: ") and message in last, result.stderr[-2000:]


def test_a_directory_without_a_run_is_refused(tmp_path):
    result = kvae_evaluate(tmp_path, "evaluate.metrics = ['mig']")
    assert result.returncode != 0 and "kvae run directory" in result.stderr.strip().splitlines()[-1]


def test_fast_mode_is_recorded_in_the_result_and_progress_is_one_line_per_stage(run_dir):
    result = kvae_evaluate(
        run_dir.root, "evaluate.metrics = ['dci']", "dci.num_train = 100", "dci.num_test = 50",
        "dci.predictor = 'hist_gradient_boosting'", "dci.encode_batch_size = 64",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    dci = json.loads(open(run_dir.eval_results("dci")).read())
    assert dci["mode"] == "fast" and dci["settings"]["predictor"] == "hist_gradient_boosting"
    assert result.stdout.count("encoding 150 images: ") == 1 and " left" in result.stdout
    assert result.stdout.count("fitting 6 HistGradientBoostingClassifier on up to 100 points, ") == 1
