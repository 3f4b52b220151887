"""Studies: sweep order, dlib's model numbering, validation, and kvae-study / kvae-aggregate end to end on a local Ray."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from kvae.errors import KvaeError
from kvae.studies import enumerate_runs, load_study, study_names
from kvae.studies.manifest import Manifest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The tiny study made tinier: 4 steps of batch 8, small metric draws.
TINY = [
    "train.steps = 4",
    "train.batch_size = 8",
    "train.checkpoint_every = 2",
    "train.image_every = 4",
    "train.log_every = 2",
    "mig.num_train = 200",
    "unsupervised.num_train = 200",
]


def test_sweep_order_is_dlib_product_of_chained_zips():
    axes = [
        [{"include": "a.gin", "A.x": [1, 2]}, {"include": "b.gin", "B.y": 5.0, "B.z": ["p", "q", "r"]}],
        {"train.seed": [0, 1]},
    ]
    runs = enumerate_runs(axes)
    assert len(runs) == (2 + 3) * 2
    assert [r.model_num for r in runs] == list(range(10))
    assert runs[0].includes == ("a.gin",) and runs[0].binding_lines() == ["A.x = 1", "train.seed = 0"]
    assert runs[1].binding_lines() == ["A.x = 1", "train.seed = 1"]
    assert runs[3].binding_lines() == ["A.x = 2", "train.seed = 1"]
    assert runs[4].includes == ("b.gin",)
    assert runs[4].binding_lines() == ["B.y = 5.0", "B.z = 'p'", "train.seed = 0"]
    assert runs[9].binding_lines() == ["B.y = 5.0", "B.z = 'r'", "train.seed = 1"]
    assert enumerate_runs([{"train.model": "@BetaVAE"}])[0].binding_lines() == ["train.model = @BetaVAE"]
    for bad in ([], [{}], [{"A.x": [1, 2], "A.y": [1, 2, 3]}], [{"nodot": [1]}], [{"A.x": []}], "x"):
        with pytest.raises(KvaeError):
            enumerate_runs(bad)


# Expected bindings derived by hand from disentanglement_lib's config/unsupervised_study_v1/sweep.py:
# product(datasets[7], chain(beta_vae, factor_vae, dip_vae_i, dip_vae_ii, beta_tc_vae, annealed_vae)[36],
# seeds[50]), last fastest: model_num = 1800 * dataset + 50 * model + seed.
LOCATELLO = {
    0: ("dsprites", "BetaVAE", {"BetaVAE.beta": "1.0"}, 0),
    51: ("dsprites", "BetaVAE", {"BetaVAE.beta": "2.0"}, 1),
    300: ("dsprites", "FactorVAE", {"FactorVAE.gamma": "10.0"}, 0),
    649: ("dsprites", "DIPVAE", {"DIPVAE.lambda_od": "1.0", "DIPVAE.dip_type": "'i'", "DIPVAE.lambda_d_factor": "10.0"}, 49),
    1234: ("dsprites", "BetaTCVAE", {"BetaTCVAE.beta": "1.0"}, 34),
    1799: ("dsprites", "AnnealedVAE", {"AnnealedVAE.c_max": "100.0", "AnnealedVAE.gamma": "1000.0",
                                       "AnnealedVAE.iteration_threshold": "100000"}, 49),
    1800: ("color_dsprites", "BetaVAE", {"BetaVAE.beta": "1.0"}, 0),
    7777: ("smallnorb", "FactorVAE", {"FactorVAE.gamma": "100.0"}, 27),
    10000: ("cars3d", "DIPVAE", {"DIPVAE.lambda_od": "5.0", "DIPVAE.dip_type": "'ii'", "DIPVAE.lambda_d_factor": "1.0"}, 0),
    12599: ("shapes3d", "AnnealedVAE", {"AnnealedVAE.c_max": "100.0"}, 49),
}


def test_locatello_study_numbering_matches_disentanglement_lib():
    study = load_study("locatello2019_unsupervised")
    assert len(study) == 12600
    for model_num, (dataset, frame, params, seed) in LOCATELLO.items():
        files, lines = study.run_config(model_num)
        bindings = dict(line.split(" = ", 1) for line in lines)
        assert bindings["dataset.name"] == repr(dataset), model_num
        assert bindings["train.model"] == f"@{frame}", model_num
        assert bindings["train.seed"] == str(seed), model_num
        for name, value in params.items():
            assert bindings[name] == value, (model_num, name)
        assert os.path.basename(files[0]) == f"{dataset}.gin"
    study.validate(study.select(list(LOCATELLO)))  # every kind of run parses in kvae's gin
    with pytest.raises(KvaeError, match="out of range"):
        study.select([12600])


def test_every_shipped_study_parses_and_has_a_stable_fingerprint():
    assert {"tiny", "locatello2019_unsupervised", "michlo2023_xysquares", "zietlow2021_perturbed",
            "halevi_grouped"} <= set(study_names())
    sizes = {"tiny": 4, "michlo2023_xysquares": 160, "zietlow2021_perturbed": 120, "halevi_grouped": 60}
    for name, size in sizes.items():
        study = load_study(name)
        assert len(study) == size, name
        evaluations = study.validate(study.select([0, size - 1]))
        assert evaluations and all(metrics for _, metrics in evaluations)
        assert study.fingerprint == load_study(name).fingerprint
    michlo = load_study("michlo2023_xysquares", ["ADA_GVAE_BETA = 0.5"])
    lines = michlo.run_config(159)[1]
    assert "AdaGVAE.beta = 0.5" in lines and "XYSquares.grid_spacing = 8" in lines and "train.seed = 4" in lines
    assert "reconstruction_loss.name = 'mse_box_r31_l1.0_k3969.0'" in lines
    zietlow = load_study("zietlow2021_perturbed")
    assert "Perturbed.s = '$STUDY_DIR/runs/0/model.keras'" in zietlow.run_config(40)[1]
    assert load_study("tiny", run_bindings=["train.steps = 5"]).fingerprint != load_study("tiny").fingerprint


def test_bad_studies_are_refused_before_anything_starts(tmp_path, kvae_cli):
    with pytest.raises(KvaeError, match="unknown study 'nope'.*tiny"):
        load_study("nope")
    bad = tmp_path / "bad.gin"
    bad.write_text("study.name = 'bad'\nstudy.axes = [{'BetaVAE.gama': [1.0]}]\nstudy.configs = ['models/beta_vae.gin']\n")
    with pytest.raises(KvaeError, match="run 0: .*gama"):
        load_study(str(bad)).validate(load_study(str(bad)).runs)
    study_dir = tmp_path / "study"
    study_dir.mkdir()
    Manifest(str(study_dir), load_study("tiny")).write()
    with pytest.raises(KvaeError, match="another definition"):
        Manifest(str(study_dir), load_study("tiny", run_bindings=["train.steps = 5"]))

    result = kvae_cli("study", "--study=tiny", f"--study_dir={tmp_path / 'x'}", "--address=127.0.0.1:9")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("kvae-study: error: no Ray cluster at --address=127.0.0.1:9")
    result = kvae_cli("study", f"--study={bad}", f"--study_dir={tmp_path / 'y'}")
    assert result.returncode == 1 and "gama" in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    result = kvae_cli("study", "--study=tiny", "--model_num=4", "--only_print")
    assert result.returncode == 1 and "--model_num 4 is out of range: study tiny has runs 0..3" in result.stderr


def _read_tensors(path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(path, size_guidance={"tensors": 0})
    events.Reload()
    return events


def test_tiny_study_runs_resumes_nothing_twice_and_aggregates(tmp_path, kvae_cli):
    study_dir = tmp_path / "tiny"
    bindings = [f"--gin_bindings={b}" for b in TINY]
    result = kvae_cli("study", "--study=tiny", f"--study_dir={study_dir}", "--num_cpus=2", *bindings)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "4 runs selected, 0 complete, 4 to run" in result.stdout and "4/4 runs finished" in result.stdout
    manifest = json.loads((study_dir / "study.json").read_text())
    assert manifest["study"] == "tiny" and manifest["num_runs"] == 4
    assert sorted(manifest["runs"]) == ["0", "1", "2", "3"]
    for number, record in manifest["runs"].items():
        assert record["status"] == "finished" and record["error"] is None and record["seconds"] > 0
        assert record["versions"]["tensorflow"] and record["host"]
        train = json.loads((study_dir / "runs" / number / "results" / "train.json").read_text())
        assert train["status"] == "finished" and train["steps"] == 4 and train["seed"] == int(number) % 2
        for representation in ("mean", "sample"):
            for metric in ("mig", "unsupervised"):
                result_json = study_dir / "runs" / number / "results" / "eval" / representation / f"{metric}.json"
                assert json.loads(result_json.read_text())["representation"] == representation
    assert manifest["runs"]["3"]["bindings"] == ["BetaVAE.beta = 4.0", "train.seed = 1"]
    operative = (study_dir / "runs" / "3" / "gin" / "operative.gin").read_text()
    assert "BetaVAE.beta = 4.0" in operative and "train.seed = 1" in operative

    # The HParams summary: the run's hyperparameters and its final metrics, for TensorBoard's table.
    hparams_dir = study_dir / "runs" / "2" / "tensorboard" / "hparams"
    events = _read_tensors(str(hparams_dir))
    assert "_hparams_/session_start_info" in events.Tags()["tensors"]
    mig = json.loads((study_dir / "runs" / "2" / "results" / "eval" / "mean" / "mig.json").read_text())["values"]["mig"]
    import tensorflow as tf

    logged = float(tf.make_ndarray(events.Tensors("final/mean/mig")[0].tensor_proto))
    assert logged == pytest.approx(mig, rel=1e-6)

    # The same command again trains nothing: no Ray, no checkpoint touched.
    stamps = {p: p.stat().st_mtime_ns for p in study_dir.glob("runs/*/checkpoints/*")}
    again = kvae_cli("study", "--study=tiny", f"--study_dir={study_dir}", "--num_cpus=2", *bindings)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "4 runs selected, 4 complete, 0 to run" in again.stdout and "Ray:" not in again.stdout
    assert stamps and stamps == {p: p.stat().st_mtime_ns for p in study_dir.glob("runs/*/checkpoints/*")}

    aggregated = kvae_cli("aggregate", f"--study_dir={study_dir}")
    assert aggregated.returncode == 0, aggregated.stderr[-3000:]
    import pandas as pd

    frame = pd.read_csv(study_dir / "aggregate" / "results.csv")
    parquet = pd.read_parquet(study_dir / "aggregate" / "results.parquet")
    assert len(frame) == len(parquet) == 4 * 2  # one row per run x representation
    for column in ("model_num", "frame", "dataset", "seed", "steps", "representation", "BetaVAE.beta", "train.seed",
                   "train.batch_size", "optimizer.learning_rate", "mig", "unsupervised.gaussian_total_correlation",
                   "udr_lasso", "udr_spearman", "kvae_version", "tensorflow_version", "keras_version",
                   "scikit-learn_version"):
        assert column in frame.columns, column
    assert set(frame["frame"]) == {"BetaVAE"} and set(frame["dataset"]) == {"xysquares"}
    for _, row in frame.iterrows():
        run = study_dir / "runs" / str(row["model_num"]) / "results" / "eval" / row["representation"]
        values = json.loads((run / "mig.json").read_text())["values"]
        assert row["mig"] == pytest.approx(values["mig"], rel=1e-12)
        assert row["BetaVAE.beta"] == (1.0 if row["model_num"] < 2 else 4.0)
    summary = (study_dir / "aggregate" / "summary.md").read_text()
    assert "| xysquares | BetaVAE | BetaVAE.beta=4.0 | mean | 2 |" in summary
    for figure in ("mig.png", "rank_correlation.png", "unsupervised_vs_supervised.png"):
        assert (study_dir / "aggregate" / "figures" / figure).stat().st_size > 10000, figure


def test_a_killed_worker_is_retried_and_resumes_from_its_checkpoint(tmp_path):
    study_dir = tmp_path / "killed"
    bindings = [f"--gin_bindings={b}" for b in (*TINY, "train.steps = 120", "train.checkpoint_every = 10")]
    process = subprocess.Popen(
        [sys.executable, "-m", "kvae.cli.study", "--study=tiny", "--model_num=0", f"--study_dir={study_dir}",
         "--num_cpus=1", "--study_bindings=study.representations = ['mean']", *bindings],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL, cwd=REPO,
    )
    log = study_dir / "logs" / "0.log"
    deadline = time.time() + 300
    while time.time() < deadline and not list(study_dir.glob("runs/0/checkpoints/ckpt-*.keras")):
        assert process.poll() is None, process.communicate()
        time.sleep(0.2)
    first = log.read_text().splitlines()[0]
    assert first.startswith("== kvae-study run 0 attempt 1: pid ")
    os.kill(int(first.split("pid ")[1].split()[0]), signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=400)
    assert process.returncode == 0, stdout[-2000:] + stderr[-3000:]
    text = log.read_text()
    assert "attempt 2" in text and "resuming from " in text and "ckpt-" in text.split("attempt 2")[1]
    manifest = json.loads((study_dir / "study.json").read_text())
    assert list(manifest["runs"]) == ["0"]
    assert manifest["runs"]["0"]["status"] == "finished" and manifest["runs"]["0"]["attempts"] == 2
    train = json.loads((study_dir / "runs" / "0" / "results" / "train.json").read_text())
    assert train["steps"] == 120
    assert "run 0 finished" in stdout and stdout.count("run 0 ") == 1
