"""kvae-analyze: each subcommand writes a PNG and a JSON with the analysis' values; bad input is one line."""

import json
import os

import numpy as np
import pytest

import kvae  # noqa: F401
from kvae import frames, nets
from kvae.run_directory import RunDirectory



def outputs(directory, command):
    assert os.path.getsize(os.path.join(directory, f"{command}.png")) > 10000
    with open(os.path.join(directory, f"{command}.json")) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def grouped_run(tmp_path_factory):
    """A run directory with an untrained Grouped-VAE (groups 2 + 2) on small XYSquares."""
    run = RunDirectory(tmp_path_factory.mktemp("runs") / "grouped")
    model = frames.GroupedVAE(nets.ConvEncoder(4, (64, 64, 3)), nets.ConvDecoder((64, 64, 3)), groups=2, seed=0)
    model.build((None, 64, 64, 3))
    os.makedirs(os.path.dirname(run.gin))
    with open(run.gin, "w") as f:
        f.write("dataset.name = 'xysquares'\nXYSquares.grid_size = 4\n")
    model.save(run.model)
    return run


def test_distances_of_a_dataset(tmp_path, kvae_cli):
    result = kvae_cli("analyze", "distances", "--dataset=xysquares", "--loss=mse", "--loss=mse_box_r31_l1.0_k3969.0", "--factors=x_R,y_B",
                          "--num_bases=3", f"--output_dir={tmp_path}")
    assert result.returncode == 0, result.stderr
    assert "Correlation with the ground-truth" in result.stdout and "x_R" in result.stdout
    values = outputs(tmp_path, "distances")
    assert values["losses"] == ["mse", "mse_box_r31_l1.0_k3969.0"] and values["factors"] == ["x_R", "y_B"]
    np.testing.assert_array_equal(values["matrices"]["mse"]["y_B"], 128 * (1 - np.eye(8)))
    assert values["correlations"]["mse"]["x_R"]["spearman"] == 0.0
    assert values["correlations"]["mse_box_r31_l1.0_k3969.0"]["x_R"]["spearman"] > 0.95


def test_pca_view_of_a_dataset(tmp_path, kvae_cli):
    result = kvae_cli("analyze", "pca-view", "--dataset=xysquares", "--gin_bindings=XYSquares.grid_size = 4", "--eps=0.2,0,0.1",
                          "--num_bases=2", "--num_s_values=8", "--scale=8", f"--output_dir={tmp_path}")
    assert result.returncode == 0, result.stderr
    values = outputs(tmp_path, "pca-view")
    assert values["eps"] == [0.0, 0.1, 0.2] and values["factors"] == ["x_R", "y_R", "x_G", "y_G", "x_B", "y_B", "s"]
    s = values["local_expansiveness"]["s"]
    assert s[0] == 0 and s[2] == pytest.approx(2 * s[1], rel=1e-6)
    assert values["explained_global_variance"]["s"][0] == 0


def test_groups_of_a_run(grouped_run, kvae_cli):
    result = kvae_cli("analyze", "groups", f"--model_dir={grouped_run.root}", "--num_points=300", "--num_images=3")
    assert result.returncode == 0, result.stderr
    values = outputs(os.path.join(grouped_run.root, "analysis"), "groups")
    assert values["groups"] == [[0, 2], [2, 4]] and np.shape(values["mutual_information"]) == (2, 6)
    assert values["dataset"] == "xysquares" and values["num_points"] == 300


@pytest.mark.slow
def test_latents_and_model_distances_of_a_run(grouped_run, tmp_path, kvae_cli):
    result = kvae_cli("analyze", "latents", f"--model_dir={grouped_run.root}", "--num_points=300", "--noimportance", f"--output_dir={tmp_path}")
    assert result.returncode == 0, result.stderr
    values = outputs(tmp_path, "latents")
    assert np.shape(values["mutual_information"]) == (4, 6) and len(values["active_units"]) == 4 and "dci_importance" not in values
    result = kvae_cli("analyze", "distances", f"--model_dir={grouped_run.root}", "--num_bases=2", "--factors=x_R", f"--output_dir={tmp_path}")
    assert result.returncode == 0, result.stderr
    values = outputs(tmp_path, "distances")
    assert values["loss"] == "bernoulli" and values["levels"] == ["ground_truth", "data", "latent_l2", "latent_kl", "reconstruction"]
    assert set(values["matrices"]["x_R"]) == set(values["levels"])
    result = kvae_cli("analyze", "latents", f"--model_dir={grouped_run.root}", "--num_points=600", f"--output_dir={tmp_path}")
    assert result.returncode == 0, result.stderr
    assert np.shape(outputs(tmp_path, "latents")["dci_importance"]) == (4, 6)


slow = pytest.mark.slow  # each case starts TensorFlow (~7 s): two run by default


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "expected one subcommand of distances, pca-view, groups, latents before the --flags, got nothing"),
        pytest.param(("plot", "--dataset=xysquares"), "expected one subcommand of distances, pca-view, groups, latents before the --flags, got plot", marks=slow),
        pytest.param(("distances", "--output_dir=x"), "distances needs --dataset (a registered dataset name) or --model_dir", marks=slow),
        pytest.param(("distances", "--dataset=xysquares"), "--output_dir is required without --model_dir", marks=slow),
        pytest.param(("latents", "--output_dir=x"), "latents needs one --model_dir (a trained run), got 0", marks=slow),
        pytest.param(("pca-view", "--dataset=xysquares", "--eps=0,2", "--output_dir=x"), "--eps takes numbers in [0, 1] separated by commas, got 0,2", marks=slow),
        (("distances", "--dataset=nope", "--output_dir=x"), "unknown dataset 'nope'; known datasets:"),
        pytest.param(("distances", "--dataset=xysquares", "--loss=msq", "--output_dir=x"), "unknown reconstruction loss 'msq'", marks=slow),
        pytest.param(("groups", "--model_dir=/nonexistent"), "is not a finished kvae run: gin/operative.gin not found", marks=slow),
    ],
)
def test_bad_input_is_one_line_and_status_1(tmp_path, args, message, kvae_cli):
    result = kvae_cli("analyze", *[a.replace("--output_dir=x", f"--output_dir={tmp_path / 'out'}") for a in args])
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]  # above it only TensorFlow's start-up lines
    assert last.startswith("kvae-analyze: error: ") and message in last, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert not os.path.exists(tmp_path / "out")
