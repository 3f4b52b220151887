"""kvae-list prints every registry's names with their one-line docs."""

import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def kvae_list(*args):
    return subprocess.run(
        [sys.executable, "-m", "kvae.cli.list", *args], cwd=REPO, capture_output=True, text=True
    )


def sections(stdout):
    """{kind: [(name, doc)]} of `kvae-list all`: a `kind:` header, then indented `name  doc` rows."""
    found, kind = {}, None
    for line in stdout.splitlines():
        if re.fullmatch(r"\w+:", line):
            kind = line[:-1]
            found[kind] = []
        elif line.startswith("  ") and kind:
            name, _, doc = line[2:].partition("  ")
            found[kind].append((name, doc.strip()))
    return found


def test_list_all_prints_every_registry_aligned_with_docs():
    result = kvae_list("all")
    assert result.returncode == 0, result.stderr
    found = sections(result.stdout)
    assert list(found)[:5] == ["frames", "nets", "losses", "datasets", "metrics"]
    frames = dict(found["frames"])
    assert frames["beta_vae"] == "beta-VAE: `reconstruction + beta * KL` (Higgins et al. 2017)."
    assert (
        frames["group_vae"].startswith("GVAE with labels") and "grouped_vae" in frames and len(frames) == 12
    )
    assert dict(found["nets"])["conv_encoder"].startswith("Conv 32-32-64-64")
    assert dict(found["losses"])["mse"] == "Squared error summed over pixels, on sigmoid(logits)."
    assert "<base>_<box|gau>_r<radius>_l<weight>_k<alpha>[_norm_sum|_norm_none]" in result.stdout
    assert "xysquares" in dict(found["datasets"])
    metrics = dict(found["metrics"])
    assert metrics["udr_spearman"].endswith("(correlation='spearman')") and "mig" in metrics
    rows = [line for line in result.stdout.splitlines() if line.startswith("  ") and line[2:3] != " "]
    frame_rows = rows[: len(frames)]
    assert len({row.index(doc) for row, (_, doc) in zip(frame_rows, found["frames"])}) == 1  # one doc column


def test_one_kind_is_printed_without_a_header():
    result = kvae_list("nets")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "conv_decoder   Dense 256 -> dense 1024 -> 4x4x64 -> deconv 64-32-32-C (4x4, stride 2) -> logits.",
        "conv_encoder   Conv 32-32-64-64 (stride 2, ReLU) -> dense 256 -> mean and log-variance.",
        'discriminator  MLP on codes -> 2 logits: class 0 "drawn from q(z)", class 1 "from prod_j q(z_j)".',
        "fc_decoder     Dense 1200-1200-1200 (tanh) -> dense H*W*C logits, reshaped to the image.",
        "fc_encoder     Flatten -> dense 1200-1200 (ReLU) -> mean and log-variance.",
    ]


def test_an_unknown_kind_is_a_one_line_error():
    result = kvae_list("frames", "widgets")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == (
        "kvae-list: error: unknown kind 'widgets'; expected one of frames, nets, losses, datasets, "
        "metrics, schedules, all"
    )
    result = kvae_list()
    assert result.returncode == 1 and "expected what to list: frames, nets" in result.stderr
