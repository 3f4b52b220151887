"""Training throughput of the study's beta-VAE on the local accelerator (or CPU), in one run.

    python benchmarks/accelerator_throughput.py                      # the full grid (for a GPU)
    python benchmarks/accelerator_throughput.py --quick              # a CPU-sized subset
    python benchmarks/accelerator_throughput.py --shared 4           # 4 runs sharing the device

For every combination of loss (bernoulli, mse, mse_box_r31_l1.0_k3969.0), batch size, precision
(float32 / mixed_bfloat16), XLA (off / on), steps_per_execution (1 / 8 / 64) and input (tf.data
rendering XYSquares on the host, or factors rendered on the device inside the step) it prints
steps/s and images/s of `model.fit`, and the fraction of the step spent waiting on input (1 - the
time with one cached batch / the time with the pipeline). Then the ratio of the blur loss's step to
mse's, and the minutes a 300k-step run takes at the best setting. With `--shared N`, N processes
train at once (each its own model and pipeline) and it prints their summed steps/s and runs/hour.
"""

import argparse
import itertools
import json
import os
import subprocess
import sys
import time

LOSSES = ("bernoulli", "mse", "mse_box_r31_l1.0_k3969.0")
STUDY_STEPS = 300_000


def measure(loss, batch_size, precision, jit_compile, steps_per_execution, on_device, seconds, cached=False):
    """Steps/s of `fit` for one setting (after a warm-up fit that traces and compiles)."""
    import keras

    from kvae import distribute, frames, nets
    from kvae.data import XYSquares, make_dataset

    data = XYSquares()
    shape = data.observation_shape
    keras.utils.set_random_seed(0)
    with distribute.precision(precision):
        model = frames.BetaVAE(
            nets.ConvEncoder(10, shape), nets.ConvDecoder(shape), beta=4.0, reconstruction_loss=loss, seed=0
        )
        model.build((None,) + shape)
        model.compile(
            optimizer=keras.optimizers.Adam(1e-4),
            jit_compile=jit_compile,
            steps_per_execution=steps_per_execution,
        )
    if on_device:
        model.render_inputs = distribute.render_inputs(data)
    dataset = make_dataset(data, batch_size, seed=0, render=not on_device)
    if cached:
        dataset = dataset.take(1).cache().repeat()
    chunk = steps_per_execution * max(1, 8 // steps_per_execution)
    model.fit(dataset, steps_per_epoch=chunk, epochs=1, verbose=0)  # trace, compile, fill the prefetch
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or steps < 2 * chunk:
        model.fit(dataset, steps_per_epoch=chunk, epochs=1, verbose=0)
        steps += chunk
    return steps / (time.perf_counter() - start)


def grid(args):
    keys = ("loss", "batch", "precision", "xla", "spe", "input")
    print(
        f"{'loss':26s} {'batch':>5s} {'precision':>14s} {'xla':>4s} {'spe':>4s} {'input':>9s} "
        f"{'steps/s':>9s} {'images/s':>10s} {'input wait':>10s}",
        flush=True,
    )
    results = []
    for loss, batch, precision, xla, spe, on_device in itertools.product(
        args.losses, args.batch_sizes, args.precisions, args.xla, args.spe, args.inputs
    ):
        on_device = on_device == "device"
        rate = measure(loss, batch, precision, xla, spe, on_device, args.seconds)
        compute = measure(loss, batch, precision, xla, spe, on_device, args.seconds, cached=True)
        wait = max(0.0, 1.0 - rate / compute)
        row = dict(zip(keys, (loss, batch, precision, xla, spe, "device" if on_device else "tf.data")))
        results.append({**row, "steps_per_s": rate, "wait": wait})
        print(
            f"{loss:26s} {batch:5d} {precision:>14s} {str(xla)[0]:>4s} {spe:4d} {row['input']:>9s} "
            f"{rate:9.1f} {rate * batch:10.0f} {wait:10.0%}",
            flush=True,
        )
    return results


def summary(results):
    by_setting = {}
    for r in results:
        by_setting.setdefault(tuple(r[k] for k in ("batch", "precision", "xla", "spe", "input")), {})[
            r["loss"]
        ] = r
    print("\nblur loss step / mse step (mse_box_r31_l1.0_k3969.0 vs mse, same setting):")
    for setting, losses in by_setting.items():
        if "mse" in losses and "mse_box_r31_l1.0_k3969.0" in losses:
            ratio = losses["mse"]["steps_per_s"] / losses["mse_box_r31_l1.0_k3969.0"]["steps_per_s"]
            print(
                f"  batch {setting[0]}, {setting[1]}, xla {setting[2]}, spe {setting[3]}, {setting[4]}: "
                f"{ratio:.2f}x"
            )
    for batch in sorted({r["batch"] for r in results}):
        best = max(
            (r for r in results if r["batch"] == batch and r["loss"] == "bernoulli"),
            key=lambda r: r["steps_per_s"],
            default=None,
        )
        if best:
            minutes = STUDY_STEPS / best["steps_per_s"] / 60
            print(
                f"\nbest bernoulli beta-VAE at batch {batch}: {best['steps_per_s']:.1f} steps/s "
                f"({best['precision']}, xla {best['xla']}, spe {best['spe']}, {best['input']}): "
                f"a {STUDY_STEPS}-step run takes {minutes:.1f} minutes"
            )


def shared(args):
    """N copies of one setting at once; their summed steps/s and the 300k-step runs per hour."""
    child = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        "--seconds",
        str(args.seconds),
        "--losses",
        args.losses[0],
        "--batch-sizes",
        str(args.batch_sizes[0]),
        "--precisions",
        args.precisions[-1],
        "--xla",
        str(args.xla[-1]),
        "--spe",
        str(args.spe[-1]),
        "--inputs",
        args.inputs[-1],
    ]
    processes = [subprocess.Popen(child, stdout=subprocess.PIPE, text=True) for _ in range(args.shared)]
    rates = [json.loads(p.communicate()[0].strip().splitlines()[-1])["steps_per_s"] for p in processes]
    total = sum(rates)
    print(
        f"{args.shared} runs sharing the device ({' '.join(child[5:])}): "
        f"{', '.join(f'{r:.1f}' for r in rates)} steps/s each, {total:.1f} in all; "
        f"{3600 * total / STUDY_STEPS:.2f} runs of {STUDY_STEPS} steps per hour"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--losses", nargs="+", default=list(LOSSES))
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[64, 256])
    parser.add_argument("--precisions", nargs="+", default=["float32", "mixed_bfloat16"])
    parser.add_argument("--xla", nargs="+", type=lambda s: s == "True", default=[False, True])
    parser.add_argument("--spe", nargs="+", type=int, default=[1, 8, 64], help="steps_per_execution values")
    parser.add_argument("--inputs", nargs="+", choices=("tf.data", "device"), default=["tf.data", "device"])
    parser.add_argument("--seconds", type=float, default=5.0, help="timed seconds per setting")
    parser.add_argument("--quick", action="store_true", help="a CPU-sized subset: batch 64, spe 1 and 8")
    parser.add_argument("--shared", type=int, default=0, help="time this many runs sharing the device")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.batch_sizes, args.spe = [64], [1, 8]
    if args.child:
        on_device = args.inputs[-1] == "device"
        rate = measure(
            args.losses[0],
            args.batch_sizes[0],
            args.precisions[-1],
            args.xla[-1],
            args.spe[-1],
            on_device,
            args.seconds,
        )
        print(json.dumps({"steps_per_s": rate}))
    elif args.shared:
        shared(args)
    else:
        import tensorflow as tf

        print(f"devices: {[d.name for d in tf.config.list_logical_devices()]}", flush=True)
        summary(grid(args))


if __name__ == "__main__":
    main()
