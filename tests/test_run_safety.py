"""Runs that never lose data: overwrite, divergence, unreadable checkpoints, locks, fixed configuration, signals."""

import glob
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from kvae import io
from kvae.errors import KvaeError
from kvae.run_directory import RunDirectory, RunDirectoryError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = [os.path.join(REPO, "gin_configs", c) for c in ("models/beta_vae.gin", "datasets/xysquares.gin")]
TINY = [
    "train.batch_size = 8",
    "train.latent_dim = 4",
    "train.log_every = 1000",
    "train.image_every = 1000",
    "train.checkpoint_every = 3",
    "train.eval_metrics = []",
    "train.verbose = 0",
]


def tree(root):
    """{relative path: (size, mtime)} of every file under `root`: a directory's state."""
    return {
        os.path.relpath(os.path.join(d, n), root): (os.stat(os.path.join(d, n)).st_size, os.stat(os.path.join(d, n)).st_mtime_ns)
        for d, _, names in os.walk(root) for n in names
    }


def weights(path):
    return [np.asarray(w) for w in keras.saving.load_model(str(path)).weights]


def test_atomic_writes_leave_the_old_file_or_the_new_one_with_normal_permissions(tmp_path):
    previous = os.umask(0o022)
    try:
        path = tmp_path / "results" / "train.json"
        io.write_json(path, {"steps": 1})
        with pytest.raises(RuntimeError), io.atomic_path(path) as tmp:
            with open(tmp, "w") as f:
                f.write('{"steps": ')
            raise RuntimeError("killed mid-write")
        assert io.read_json(path) == {"steps": 1} and os.listdir(path.parent) == ["train.json"]
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0600
        (path.parent / ".tmp-1234abcd-train.json").write_text("{")
        assert io.remove_temporary_files(tmp_path) == [str(path.parent / ".tmp-1234abcd-train.json")]
        path.write_text("{trunc")
        with pytest.raises(KvaeError, match="train.json is not valid JSON"):
            io.read_json(path)
    finally:
        os.umask(previous)


def test_overwrite_deletes_only_a_kvae_run(tmp_path, train_here):
    foreign = tmp_path / "thesis"
    (foreign / "gin").mkdir(parents=True)
    (foreign / "thesis.tex").write_text("precious")
    (foreign / "gin" / "my.gin").write_text("BetaVAE.beta = 4")
    with pytest.raises(RunDirectoryError, match="is not a kvae run directory"):
        train_here(foreign, "train.steps = 3", overwrite=True)
    assert (foreign / "thesis.tex").read_text() == "precious" and (foreign / "gin" / "my.gin").exists()

    run_dir = tmp_path / "run"
    train_here(run_dir, "train.steps = 3")
    (run_dir / "notes.txt").write_text("mine")
    before = tree(run_dir)
    with pytest.raises(RunDirectoryError, match=r"holds files kvae did not write \(notes.txt\)"):
        train_here(run_dir, "train.steps = 3", overwrite=True)
    assert tree(run_dir) == before
    (run_dir / "notes.txt").unlink()
    result = train_here(run_dir, "train.steps = 3", "BetaVAE.beta = 2.0", overwrite=True)
    assert result["train"]["status"] == "finished" and len(result["train"]["sessions"]) == 1
    assert "BetaVAE.beta = 2.0" in (run_dir / "gin" / "operative.gin").read_text()


def test_divergence_stops_and_keeps_the_last_finite_checkpoint_then_skip_step_goes_on(tmp_path, capfd, train_here):
    run_dir = tmp_path / "run"
    diverging = ("train.steps = 12", "optimizer.learning_rate = 1.0", "train.checkpoint_every = 1", "train.keep_checkpoints = 1")
    with pytest.raises(KvaeError) as raised:
        train_here(run_dir, *diverging)
    found = re.match(r"training diverged at step (\d+): (\w+) is not finite; kept the last finite checkpoint", str(raised.value))
    assert found, str(raised.value)
    step, term = int(found.group(1)), found.group(2)
    state = json.loads((run_dir / "results" / "train.json").read_text())
    assert state["status"] == "diverged" and state["diverged"]["step"] == step and state["diverged"]["term"] == term
    kept = sorted(os.listdir(run_dir / "checkpoints"))
    assert kept == [f"ckpt-{step - 1:09d}.keras"] and state["steps"] == step - 1  # never rotated away
    assert all(np.isfinite(w).all() for w in weights(run_dir / "checkpoints" / kept[0]))

    # skip_step may be set on resume: the bad steps' updates are dropped, the steps still counted; an update
    # of finite gradients that overflows the weights cannot be skipped and stops the run before its checkpoint
    capfd.readouterr()
    try:
        result = train_here(run_dir, *diverging, "train.on_nan = 'skip_step'")["train"]
        assert result["status"] == "finished" and result["steps"] == 12 and step in result["skipped_steps"]
    except KvaeError as error:
        assert "a weight after the optimizer's update of finite gradients is not finite" in str(error)
    assert f"kvae: step {step} skipped: " in capfd.readouterr().err
    for path in glob.glob(f"{run_dir}/checkpoints/*.keras") + glob.glob(f"{run_dir}/model.keras"):
        assert all(np.isfinite(w).all() for w in weights(path)), path
    assert "train.on_nan = 'skip_step'  # was 'stop'" in (run_dir / "gin" / "resumes" / "1.gin").read_text()


def test_resume_skips_an_unreadable_checkpoint_cleans_temporary_files_and_takes_a_stale_lock(tmp_path, capfd, train_here):
    previous = os.umask(0o022)
    try:
        run_dir = tmp_path / "run"
        train_here(run_dir, "train.steps = 6")
        run = RunDirectory(run_dir)
        for path in (run.gin, run.train_results, run.model, run.marker, *glob.glob(f"{run.checkpoints}/*")):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o644, path
    finally:
        os.umask(previous)
    newest = run_dir / "checkpoints" / "ckpt-000000006.keras"
    newest.write_bytes(newest.read_bytes()[:1000])  # a truncated zip
    (run_dir / "checkpoints" / ".tmp-0badf00d-ckpt-000000009.keras").write_bytes(b"PK")
    (run_dir / "results" / ".tmp-0badf00d-train.json").write_text("{")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (run_dir / ".kvae-lock").write_text(f"{dead.pid} {os.uname().nodename}\n")  # a worker killed with -9
    capfd.readouterr()

    result = train_here(run_dir, "train.steps = 9")["train"]
    err = capfd.readouterr().err
    assert "kvae: checkpoint ckpt-000000006.keras is unreadable (" in err and "resuming from ckpt-000000003.keras" in err
    assert "removed 2 temporary file(s)" in err and not glob.glob(f"{run_dir}/**/.tmp-*", recursive=True)
    assert result["steps"] == 9 and result["sessions"][-1]["start_step"] == 3
    assert not (run_dir / ".kvae-lock").exists()

    for path in glob.glob(f"{run_dir}/checkpoints/*"):
        open(path, "wb").close()
    with pytest.raises(RunDirectoryError, match=r"no readable checkpoint in .*: all 3 are unreadable \(ckpt-000000009.keras, the newest, too\)"):
        train_here(run_dir, "train.steps = 12")


def test_a_second_process_on_a_locked_run_fails_at_once(tmp_path, train_here):
    run_dir = tmp_path / "run"
    with RunDirectory(run_dir).lock():
        assert (run_dir / ".kvae-lock").read_text().split()[0] == str(os.getpid())
        started = time.time()
        with pytest.raises(RunDirectoryError, match=f"is in use by process {os.getpid()} on "):
            train_here(run_dir, "train.steps = 3")
        assert time.time() - started < 30
    assert os.listdir(run_dir) == []


def test_configuration_is_fixed_at_creation_and_a_finished_run_extends(tmp_path, train_here):
    run_dir, direct = tmp_path / "run", tmp_path / "direct"
    train_here(run_dir, "train.steps = 3", "BetaVAE.beta = 3.0")
    operative = (run_dir / "gin" / "operative.gin").read_text()
    for name in ("BetaVAE.beta = 3.0", "train.latent_dim = 4", "optimizer.learning_rate", "reconstruction_loss.name",
                 "dataset.name = 'xysquares'", "ConvEncoder."):
        assert name in operative, name
    before = tree(run_dir)
    for binding, diff in (("BetaVAE.beta = 4.0", "BetaVAE.beta: 3.0 -> 4.0"), ("train.batch_size = 16", "train.batch_size: 8 -> 16"),
                          ("optimizer.learning_rate = 0.01", "optimizer.learning_rate: 0.0001 -> 0.01")):
        with pytest.raises(RunDirectoryError, match=re.escape(diff)):
            train_here(run_dir, "train.steps = 6", "BetaVAE.beta = 3.0", binding)
    with pytest.raises(RunDirectoryError, match="holds a finished run of 3 steps; raise train.steps above 3"):
        train_here(run_dir, "train.steps = 3", "BetaVAE.beta = 3.0")
    assert tree(run_dir) == before

    result = train_here(run_dir, "train.steps = 6", "BetaVAE.beta = 3.0", "train.log_every = 500")["train"]
    assert result["status"] == "finished" and result["steps"] == 6 and result["trained_steps_this_session"] == 3
    assert (run_dir / "gin" / "operative.gin").read_text() == operative
    resume = (run_dir / "gin" / "resumes" / "1.gin").read_text()
    assert "train.steps = 6  # was 3" in resume and "train.log_every = 500  # was 1000" in resume
    train_here(direct, "train.steps = 6", "BetaVAE.beta = 3.0")
    for a, b in zip(weights(run_dir / "model.keras"), weights(direct / "model.keras"), strict=True):
        np.testing.assert_array_equal(a, b)


def test_sigint_saves_a_checkpoint_at_the_current_step_and_the_resume_logs_each_step_once(tmp_path, train_here):
    run_dir = tmp_path / "run"
    bindings = [*TINY, "train.steps = 40", "train.checkpoint_every = 7", "train.log_every = 1"]
    command = [sys.executable, "-m", "kvae.cli.train", f"--model_dir={run_dir}", *(f"--gin_config={c}" for c in CONFIGS)]
    process = subprocess.Popen(command + [f"--gin_bindings={b}" for b in bindings], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO)
    deadline = time.time() + 180
    while not glob.glob(f"{run_dir}/checkpoints/ckpt-*.keras") and time.time() < deadline:
        assert process.poll() is None, process.stderr.read()[-2000:]
        time.sleep(0.05)
    time.sleep(0.5)
    sent = time.time()
    process.send_signal(signal.SIGINT)
    stderr = process.communicate(timeout=60)[1]
    assert process.returncode == 130 and time.time() - sent < 20, stderr[-2000:]
    last = stderr.strip().splitlines()[-1]
    found = re.fullmatch(r"kvae-train: error: interrupted at step (\d+); run the same command to resume", last)
    assert found, stderr[-2000:]
    step = int(found.group(1))
    assert 7 <= step < 40 and os.path.exists(run_dir / "checkpoints" / f"ckpt-{step:09d}.keras")
    assert json.loads((run_dir / "results" / "train.json").read_text())["status"] == "interrupted"

    # as after a kill -9: the resume replays the steps since the previous checkpoint, but logs none twice
    if step > 7:
        os.unlink(run_dir / "checkpoints" / f"ckpt-{step:09d}.keras")
    result = train_here(run_dir, *bindings[len(TINY):])["train"]
    assert result["steps"] == 40 and result["sessions"][0]["end_step"] == step
    assert result["sessions"][1]["start_step"] == (step if step == 7 else step // 7 * 7)
    events = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"tensors": 0})
    events.Reload()
    assert [e.step for e in events.Tensors("train/loss")] == list(range(1, 41))
