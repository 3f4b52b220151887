"""A study directory as one tidy pandas DataFrame, figures and a summary (the body of `kvae-aggregate`).

One row per run x representation: model_num, frame, dataset, seed, steps, representation, the swept
and the operative hyperparameters (gin names, e.g. `BetaVAE.beta`), every scalar metric value
(`kvae.studies.columns`), UDR across the seeds of each setting (`udr_lasso`, `udr_spearman`), and
the versions of kvae, TensorFlow, Keras and scikit-learn the run was trained with.
"""

import glob
import os

import gin
from gin import config_parser

from kvae import io
from kvae.errors import KvaeError
from kvae.run_directory import RunDirectory
from kvae.studies import task
from kvae.studies.columns import HEADLINE, UNSUPERVISED, scalar_columns

__all__ = ["aggregate", "load_results", "read_bindings", "udr_columns", "summary_markdown"]

SETTINGS = "setting"  # the column naming a run's swept hyperparameters without its seed


def _literal(value):
    if hasattr(value, "selector"):  # a configurable reference
        return "@" + value.selector + ("()" if getattr(value, "evaluate", False) else "")
    if isinstance(value, (list, tuple, dict)):
        return str(value)
    return value


def read_bindings(text):
    """{`Configurable.parameter`: value} of gin text (an operative config or binding lines); references as
    '@Name'."""
    parser = config_parser.ConfigParser(text, gin.config.ParserDelegate(skip_unknown=True))
    bindings = {}
    for statement in parser:
        if isinstance(statement, config_parser.BindingStatement):
            scope = f"{statement.scope}/" if statement.scope else ""
            bindings[f"{scope}{statement.selector}.{statement.arg_name}"] = _literal(statement.value)
    return bindings


def load_results(study_dir):
    """The study's tidy DataFrame (without UDR); runs that are not finished are left out.

    Raises:
        KvaeError: when `study_dir` holds no study.json.
    """
    import pandas as pd

    manifest_path = os.path.join(study_dir, "study.json")
    if not os.path.exists(manifest_path):
        raise KvaeError(f"{manifest_path} not found: --study_dir must be a directory written by kvae-study")
    manifest = io.read_json(manifest_path)
    rows = []
    for number, record in manifest["runs"].items():
        run = RunDirectory(os.path.join(study_dir, "runs", number))
        if not run.is_finished():
            continue
        train = io.read_json(run.train_results)
        swept = read_bindings("\n".join(record.get("bindings", [])))
        with open(run.gin) as f:
            operative = read_bindings(f.read())
        base = {
            "model_num": int(number),
            "study": manifest["study"],
            "frame": train["model"],
            "dataset": train["dataset"],
            "reconstruction_loss": train.get("reconstruction_loss"),
            "seed": train["seed"],
            "steps": train["steps"],
            SETTINGS: ", ".join(f"{k}={v}" for k, v in swept.items() if k != "train.seed") or "-",
            **{k: v for k, v in operative.items() if not k.startswith(("evaluate.",))},
            **swept,
            **{f"{name}_version": v for name, v in (record.get("versions") or task.versions()).items()},
        }
        for directory in sorted(glob.glob(os.path.join(run.results, "eval", "*", ""))):
            representation = os.path.basename(os.path.dirname(directory))
            row = {**base, "representation": representation}
            for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
                result = io.read_json(path)
                row.update(scalar_columns(result["metric"], result["values"]))
            rows.append(row)
    if not rows:
        raise KvaeError(f"{study_dir} has no finished run with evaluations yet: run kvae-study first")
    frame = pd.DataFrame(rows).sort_values(["model_num", "representation"], ignore_index=True)
    return frame


def udr_columns(study_dir, frame, num_data_points=1000, seed=0):
    """UDR (Duan et al. 2020) of each run among the runs of its setting (the other seeds), lasso and Spearman.

    Returns:
        A DataFrame indexed by model_num with `udr_lasso` and `udr_spearman` (NaN for a setting of one run).
    """
    import keras
    import pandas as pd

    from kvae import config, metrics
    from kvae.cli import common

    runs = frame.drop_duplicates("model_num")
    out = []
    for _, group in runs.groupby(["dataset", SETTINGS], sort=False):
        numbers = list(group["model_num"])
        if len(numbers) < 2:
            out += [{"model_num": n} for n in numbers]
            continue
        directories = [RunDirectory(os.path.join(study_dir, "runs", str(n))) for n in numbers]
        gin.clear_config()
        common.parse_gin([directories[0].gin], [])
        data = config.dataset()
        gin.clear_config()
        fns = [
            metrics.representation_function(keras.saving.load_model(d.model), mode="posterior")
            for d in directories
        ]
        scores = {}
        for correlation in ("lasso", "spearman"):
            result = metrics.compute_udr(
                data, fns, seed, num_data_points=num_data_points, correlation=correlation
            )
            scores[f"udr_{correlation}"] = result["model_scores"]
        out += [{"model_num": n, **{k: v[i] for k, v in scores.items()}} for i, n in enumerate(numbers)]
    return pd.DataFrame(out).set_index("model_num")


def metric_columns(frame):
    """The headline metric columns present in `frame`, then UDR and the unsupervised scores."""
    present = [c for c in HEADLINE.values() if c in frame and frame[c].notna().any()]
    present += [c for c in ("udr_lasso", "udr_spearman") if c in frame and frame[c].notna().any()]
    return present + [c for c in UNSUPERVISED if c in frame]


def summary_markdown(frame):
    """A markdown table: mean ± std over seeds of each headline metric, per dataset, frame, setting and
    representation."""
    columns = metric_columns(frame)
    keys = ["dataset", "frame", SETTINGS, "representation"]
    lines = [
        "| " + " | ".join([*keys, "runs", *columns]) + " |",
        "|" + "---|" * (len(keys) + 1 + len(columns)),
    ]
    for key, group in frame.groupby(keys, sort=False):
        cells = [str(k) for k in key] + [str(len(group))]
        for column in columns:
            values = group[column].dropna()
            cells.append(f"{values.mean():.4g} ± {values.std(ddof=0):.2g}" if len(values) else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def aggregate(study_dir, output_dir=None, udr=True):
    """Writes results.csv, results.parquet, summary.md and figures/*.png of a study; returns the DataFrame.

    Args:
        study_dir: a directory written by `kvae-study`.
        output_dir: where to write (default `study_dir/aggregate`).
        udr: compute UDR across the seeds of each setting (loads every model once).
    """
    from kvae.studies import figures

    frame = load_results(study_dir)
    if udr:
        frame = frame.join(udr_columns(study_dir, frame), on="model_num")
    output_dir = output_dir or os.path.join(study_dir, "aggregate")
    os.makedirs(os.path.join(output_dir, "figures"), exist_ok=True)
    io.write_atomic(os.path.join(output_dir, "results.csv"), frame.to_csv(index=False))
    parquet = frame.copy()
    for column in parquet.columns:  # Parquet needs one type per column
        if parquet[column].dtype == object:
            parquet[column] = parquet[column].map(lambda v: None if v is None else str(v))
    io.write_atomic(os.path.join(output_dir, "results.parquet"), parquet.to_parquet(index=False), mode="wb")
    io.write_atomic(os.path.join(output_dir, "summary.md"), summary_markdown(frame))
    figures.write_all(frame, metric_columns(frame), os.path.join(output_dir, "figures"))
    return frame
