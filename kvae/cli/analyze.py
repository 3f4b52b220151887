"""kvae-analyze: the seed papers' analyses as figures (PNG) and numbers (JSON).

    # Michlo et al.: perceived distance matrices per factor and their correlation with the ground truth
    kvae-analyze distances --dataset=xysquares --loss=mse --loss=mse_box_r31_l1.0_k3969.0 \\
        --output_dir=analysis/xysquares
    # ... over XYSquares' grid spacings 1..8 (their Figure 8),
    # and at every level of a trained model (Figure 4)
    kvae-analyze distances --dataset=xysquares --spacings=8,4,2,1 --output_dir=analysis/spacings
    kvae-analyze distances --model_dir=runs/quickstart
    # Zietlow et al.: local expansiveness and explained global variance per factor against eps (Figure 4 a-b),
    # and the information level of runs trained on the perturbation-factor dataset (Figure 4 c)
    kvae-analyze pca-view --dataset=dsprites_procedural --eps=0,0.05,0.1,0.2 --output_dir=analysis/pca
    # Halevi: the information of each factor in each latent group of a Grouped-VAE, prefix reconstructions
    kvae-analyze groups --model_dir=runs/grouped
    # The latent x factor mutual information (MIG), DCI importance and active units of a run
    kvae-analyze latents --model_dir=runs/quickstart

Each subcommand writes <output_dir>/<subcommand>.png and .json (default
output_dir: <model_dir>/analysis for a run). Datasets are chosen by name and
configured with gin bindings, e.g. --gin_bindings="XYSquares.grid_spacing = 4".
"""

import os
import time

import numpy as np
from absl import flags

from kvae.cli import common

PROGRAM = "kvae-analyze"
COMMANDS = ("distances", "pca-view", "groups", "latents")

FLAGS = flags.FLAGS
flags.DEFINE_string(
    "dataset", None, "A registered dataset name (distances, pca-view); default the run's dataset."
)
flags.DEFINE_multi_string(
    "model_dir",
    [],
    "A trained run directory (distances, groups, latents; pca-view: one or more runs for panel c).",
)
flags.DEFINE_string("output_dir", None, "Where <subcommand>.png and .json go (default <model_dir>/analysis).")
flags.DEFINE_multi_string(
    "loss", [], "distances: reconstruction losses by name (default the run's, else mse); repeat to compare."
)
flags.DEFINE_list("factors", None, "Factor names to analyse (default all).")
flags.DEFINE_integer("num_bases", 256, "distances, pca-view: random traversals (base points) per factor.")
flags.DEFINE_integer("num_points", 10000, "groups, latents, pca-view runs: elements encoded.")
flags.DEFINE_integer("seed", 0, "Seed of the sampling.")
flags.DEFINE_list(
    "spacings", None, "distances on xysquares: grid spacings, one row each (Michlo et al., Figure 8)."
)
flags.DEFINE_list("eps", ["0", "0.05", "0.1", "0.2"], "pca-view: perturbation sizes.")
flags.DEFINE_float(
    "scale", 1.0, "pca-view: rows the pattern shifts per unit of s (PerturbationFactor.scale)."
)
flags.DEFINE_integer("num_s_values", 32, "pca-view: values of the extra factor s.")
flags.DEFINE_enum(
    "predictor",
    None,
    ["gradient_boosting", "logistic_regression"],
    "groups: also the accuracy of each group alone.",
)
flags.DEFINE_bool("importance", True, "latents: fit DCI's gradient-boosted trees for the importance matrix.")
flags.DEFINE_integer("num_images", 8, "groups: images in the prefix-reconstruction grid.")
common.define_gin_flags()


def main(argv):
    if len(argv) != 2 or argv[1] not in COMMANDS:
        given = " ".join(argv[1:]) or "nothing"
        common.fail(
            PROGRAM, f"expected one subcommand of {', '.join(COMMANDS)} before the --flags, got {given}"
        )
    command = argv[1]
    try:
        _check_flags(command)
        output_dir = FLAGS.output_dir or os.path.join(FLAGS.model_dir[0], "analysis")
        started = time.time()
        figure, result = {"distances": distances, "pca-view": pca_view, "groups": groups, "latents": latents}[
            command
        ]()
        from kvae import io
        from kvae.viz.figures import save_figure

        paths = [os.path.join(output_dir, f"{command}.{ext}") for ext in ("png", "json")]
        save_figure(figure, paths[0])
        io.write_json(
            paths[1],
            {**result, "command": command, "seed": FLAGS.seed, "seconds": round(time.time() - started, 1)},
        )
    except (ValueError, OSError, SyntaxError, TypeError) as error:
        common.fail(PROGRAM, error)
    print(f"Figure: {paths[0]}\nJSON:   {paths[1]}")


def distances():
    """Michlo et al. Figures 3/8 (dataset) or Figure 4 (a run's levels); correlations per factor."""
    from kvae import analysis
    from kvae.viz.figures import distance_matrices_figure

    model, data = _model_and_dataset()
    names = FLAGS.loss or ([model.reconstruction_loss.name] if model is not None else ["mse"])
    if FLAGS.spacings:
        return _spacings(names)
    factors = FLAGS.factors
    if model is not None:
        print(
            f"Distances at every level of {FLAGS.model_dir[0]} on {data.name} under {names[0]} "
            f"({FLAGS.num_bases} traversals per factor) ...",
            flush=True,
        )
        rows = analysis.model_distance_matrices(model, data, names[0], factors, FLAGS.num_bases, FLAGS.seed)
        correlations = {
            level: analysis.distance_correlations({f: m[level] for f, m in rows.items()})
            for level in analysis.LEVELS[1:]
        }
        notes = {f: {level: _rho(correlations[level][f]) for level in correlations} for f in rows}
        title = (
            f"{data.name}: distances at every level of the model (loss {names[0]}; mean over "
            f"{FLAGS.num_bases} traversals per factor)"
        )
        _print_correlations(correlations)
        return distance_matrices_figure(rows, title, notes), {
            "dataset": data.name,
            "model_dir": FLAGS.model_dir[0],
            "loss": names[0],
            "factors": list(rows),
            "levels": list(analysis.LEVELS),
            "num_bases": FLAGS.num_bases,
            "matrices": rows,
            "correlations": correlations,
        }
    matrices, correlations = {}, {}
    for name in names:
        print(
            f"Distances of {data.name} under {name} ({FLAGS.num_bases} traversals per factor) ...", flush=True
        )
        matrices[name] = analysis.distance_matrices(data, name, factors, FLAGS.num_bases, FLAGS.seed)
        correlations[name] = analysis.distance_correlations(matrices[name])
    rows = {
        f: {"ground_truth": analysis.ground_truth_distances(len(m)), **{n: matrices[n][f] for n in names}}
        for f, m in matrices[names[0]].items()
    }
    notes = {f: {n: _rho(correlations[n][f]) for n in names} for f in rows}
    _print_correlations(correlations)
    title = (
        f"{data.name}: perceived distances over factor traversals (mean over {FLAGS.num_bases} random "
        "traversals per factor)"
    )
    return distance_matrices_figure(rows, title, notes), {
        "dataset": data.name,
        "losses": names,
        "factors": list(rows),
        "num_bases": FLAGS.num_bases,
        "matrices": matrices,
        "correlations": correlations,
    }


def _spacings(names):
    """XYSquares at each grid spacing: one row each, the first factor (all factors have the same
    statistics)."""
    import gin

    from kvae import analysis, config
    from kvae.viz.figures import distance_matrices_figure

    factor = (FLAGS.factors or ["x_R"])[0]
    rows, notes, result = {}, {}, {}
    for spacing in FLAGS.spacings:
        with gin.unlock_config():
            gin.bind_parameter("XYSquares.grid_spacing", int(spacing))
        data = config.dataset()
        if data.name != "xysquares":
            raise ValueError(f"--spacings needs --dataset=xysquares, got {data.name}")
        print(f"Spacing {spacing}: distances under {', '.join(names)} ...", flush=True)
        matrices = {
            n: analysis.distance_matrices(data, n, [factor], FLAGS.num_bases, FLAGS.seed)[factor]
            for n in names
        }
        correlations = {n: analysis.distance_correlations({factor: m})[factor] for n, m in matrices.items()}
        label = f"spacing {spacing}px"
        rows[label] = {"ground_truth": analysis.ground_truth_distances(len(matrices[names[0]])), **matrices}
        notes[label] = {n: _rho(c) for n, c in correlations.items()}
        result[str(spacing)] = {"matrices": matrices, "correlations": correlations}
    _print_correlations({f"spacing {s}": r["correlations"] for s, r in result.items()}, row_title="loss")
    title = (
        f"XYSquares factor {factor} at grid spacings {', '.join(FLAGS.spacings)} (mean over "
        f"{FLAGS.num_bases} random traversals)"
    )
    return distance_matrices_figure(rows, title, notes), {
        "dataset": "xysquares",
        "factor": factor,
        "losses": names,
        "num_bases": FLAGS.num_bases,
        "spacings": result,
    }


def pca_view():
    """Zietlow et al. Figure 4: expansiveness (a) and explained variance (b) against eps, information level of
    runs (c)."""
    from kvae import analysis
    from kvae.analysis.models import load_run, posterior_sample
    from kvae.data.perturbed import PerturbationFactor
    from kvae.viz.figures import pca_view_figure

    base = _dataset()
    eps = sorted(float(e) for e in FLAGS.eps)
    stats = []
    for e in eps:
        print(
            f"eps {e}: statistics of {base.name} with s as a factor ({FLAGS.num_bases} traversals per "
            "factor) ...",
            flush=True,
        )
        data = PerturbationFactor(base, e, FLAGS.num_s_values, scale=FLAGS.scale)
        stats.append(
            analysis.pca_view(data, FLAGS.factors and FLAGS.factors + ["s"], FLAGS.num_bases, FLAGS.seed)
        )
    series = lambda key: {f: [s[key][f] for s in stats] for f in stats[0][key]}
    result = {
        "dataset": base.name,
        "eps": eps,
        "factors": list(stats[0]["local_expansiveness"]),
        "scale": FLAGS.scale,
        "num_s_values": FLAGS.num_s_values,
        "num_bases": FLAGS.num_bases,
        "local_expansiveness": series("local_expansiveness"),
        "explained_global_variance": series("explained_global_variance"),
        "total_variance": [s["total_variance"] for s in stats],
    }
    panels = [
        (
            "(a) local expansiveness at each factor's step",
            "E||x(w + delta_j e_j) - x(w)|| / delta_j",
            eps,
            result["local_expansiveness"],
        ),
        (
            "(b) explained global variance",
            "Var_{w_j} E[x | w_j] (summed over pixels)",
            eps,
            result["explained_global_variance"],
        ),
    ]
    if FLAGS.model_dir:
        runs = []
        for model_dir in FLAGS.model_dir:
            model, data = load_run(model_dir)
            print(f"Information level of {model_dir} on {data.name} ...", flush=True)
            mean, logvar, factors = posterior_sample(model, data, FLAGS.num_points, FLAGS.seed)
            level = analysis.information_level(mean, logvar, factors, data.factor_names)
            runs.append({"model_dir": model_dir, "eps": float(getattr(data, "eps", 0.0)), **level})
        runs.sort(key=lambda run: run["eps"])
        names = list(dict.fromkeys(name for run in runs for name in run["information_level"]))
        levels = {n: [run["information_level"].get(n, np.nan) for run in runs] for n in names}
        panels.append(
            (
                "(c) information level of the encoding latent",
                "1 - E[sigma^2] of the latent with most MI",
                [run["eps"] for run in runs],
                levels,
            )
        )
        result["runs"] = runs
    title = (
        f"PCA view of {base.name} perturbed by eps * f(s), s an extra factor (pattern shift "
        f"round({FLAGS.scale:g} s / c_j) rows, s in [-1.73, 1.73]; {FLAGS.num_bases} traversals per "
        "factor)"
    )
    figure = pca_view_figure(panels, title)
    for name, key in (
        ("local expansiveness", "local_expansiveness"),
        ("explained global variance", "explained_global_variance"),
    ):
        print(
            f"{name}:\n"
            + "\n".join(
                f"  {f:>12}: " + "  ".join(f"{v:9.3f}" for v in values) for f, values in result[key].items()
            )
        )
    return figure, result


def groups():
    """Halevi: the information of each factor in each latent group, and the reconstructions from group
    prefixes."""
    from kvae import analysis
    from kvae.analysis.models import posterior_sample
    from kvae.viz.figures import groups_figure

    model, data = _model_and_dataset()
    layout = getattr(model, "groups", None)
    if layout is None:
        raise ValueError(
            f"{FLAGS.model_dir[0]} holds a {type(model).__name__}, which has no latent groups: expected "
            "a GroupedVAE run"
        )
    print(f"Encoding {FLAGS.num_points} elements of {data.name} ...", flush=True)
    mean, _, factors = posterior_sample(model, data, FLAGS.num_points, FLAGS.seed)
    result = analysis.group_informativeness(
        mean, factors, layout, data.factor_names, predictor=FLAGS.predictor, seed=FLAGS.seed
    )
    images = data.observations(data.sample_factors(FLAGS.num_images, np.random.default_rng(FLAGS.seed)))
    prefixes = analysis.prefix_reconstructions(model, images)
    print("group of each factor: " + ", ".join(f"{f}: {g + 1}" for f, g in result["group_of_factor"].items()))
    title = (
        f"{FLAGS.model_dir[0]} on {data.name}: where each factor lives ({FLAGS.num_points} points; Halevi)"
    )
    return groups_figure(result, images, prefixes, title), {
        "dataset": data.name,
        "model_dir": FLAGS.model_dir[0],
        "num_points": FLAGS.num_points,
        **result,
    }


def latents():
    """The latent x factor mutual information, DCI importance and active units of a run."""
    from kvae import analysis
    from kvae.analysis.models import posterior_sample
    from kvae.viz.figures import latents_figure

    model, data = _model_and_dataset()
    print(f"Encoding {FLAGS.num_points} elements of {data.name} ...", flush=True)
    common.show_metric_progress()
    mean, logvar, factors = posterior_sample(model, data, FLAGS.num_points, FLAGS.seed)
    result = analysis.latent_structure(
        mean, logvar, factors, data.factor_names, importance=FLAGS.importance, seed=FLAGS.seed
    )
    print(
        f"MIG {result['mig']:.3f}, active units {result['num_active_units']} of {len(result['active_units'])}"
    )
    title = f"{FLAGS.model_dir[0]} on {data.name}: latent x factor structure ({FLAGS.num_points} points)"
    return latents_figure(result, title), {
        "dataset": data.name,
        "model_dir": FLAGS.model_dir[0],
        "num_points": FLAGS.num_points,
        **result,
    }


def _check_flags(command):
    if command in ("groups", "latents") and len(FLAGS.model_dir) != 1:
        raise ValueError(f"{command} needs one --model_dir (a trained run), got {len(FLAGS.model_dir)}")
    if command == "distances" and len(FLAGS.model_dir) > 1:
        raise ValueError(f"distances takes at most one --model_dir, got {len(FLAGS.model_dir)}")
    if (
        command in ("distances", "pca-view")
        and not FLAGS.dataset
        and not (command == "distances" and FLAGS.model_dir)
    ):
        raise ValueError(
            f"{command} needs --dataset (a registered dataset "
            f"name){' or --model_dir' if command == 'distances' else ''}"
        )
    if not FLAGS.output_dir and not FLAGS.model_dir:
        raise ValueError("--output_dir is required without --model_dir: the directory for the PNG and JSON")
    for name in ("num_bases", "num_points", "num_images"):
        if getattr(FLAGS, name) < 1:
            raise ValueError(f"--{name} must be >= 1, got {getattr(FLAGS, name)}")
    for value in FLAGS.eps:
        try:
            if not 0 <= float(value) <= 1:
                raise ValueError
        except ValueError:
            raise ValueError(
                f"--eps takes numbers in [0, 1] separated by commas, got {','.join(FLAGS.eps)}"
            ) from None
    if FLAGS.spacings and (command != "distances" or FLAGS.model_dir):
        raise ValueError(
            "--spacings belongs to distances of a dataset (--dataset=xysquares), without --model_dir"
        )
    if FLAGS.spacings and not all(s.isdigit() for s in FLAGS.spacings):
        raise ValueError(
            f"--spacings takes positive integers separated by commas, got {','.join(FLAGS.spacings)}"
        )


def _model_and_dataset():
    """(model or None, dataset): the run's model and dataset; --dataset and the gin flags apply on top."""
    from kvae.analysis.models import load_run

    if not FLAGS.model_dir:
        return None, _dataset()
    model, data = load_run(FLAGS.model_dir[0])
    return model, _dataset() if FLAGS.dataset or FLAGS.gin_config or FLAGS.gin_bindings else data


def _dataset():
    """The dataset of --dataset (else the one already configured) with the gin flags."""
    from kvae import config

    common.parse_gin(
        FLAGS.gin_config,
        list(FLAGS.gin_bindings) + ([f"dataset.name = {FLAGS.dataset!r}"] if FLAGS.dataset else []),
    )
    return config.dataset()


def _rho(correlation):
    """The caption of a matrix: its Spearman and Pearson correlation with |u - v|."""
    return f"vs |u - v|: Spearman {correlation['spearman']:.2f}, Pearson {correlation['pearson']:.2f}"


def _print_correlations(correlations, row_title="factor"):
    """Prints {column: {row: {"spearman", "pearson"}}} as a table."""
    columns = list(correlations)
    rows = list(next(iter(correlations.values())))
    width = max(13, *(len(c) for c in columns))
    first = max(12, *(len(r) for r in rows))
    print("Correlation with the ground-truth |u - v| (Spearman / Pearson):")
    print(f"{row_title:>{first}}  " + "  ".join(f"{c:>{width}}" for c in columns))
    for r in rows:
        cells = [
            f"{correlations[c][r]['spearman']:.3f} / {correlations[c][r]['pearson']:.3f}" for c in columns
        ]
        print(f"{r:>{first}}  " + "  ".join(f"{cell:>{width}}" for cell in cells))


def run():
    common.run_app(main, __name__)


if __name__ == "__main__":
    run()
