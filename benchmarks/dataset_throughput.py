"""Input pipeline images/s for every dataset, its ratio to beta-VAE training images/s, and peak RSS.

Prints, measured in one run:
  - images/s of `make_dataset(name, 64, seed)` for every registered dataset:
    procedural ones directly, file-backed ones on synthetic files in the exact
    released formats written to a temporary directory (full size by default);
  - beta-VAE training images/s at batch 64 (`train_on_batch`, 64x64x1 and
    64x64x3) and the ratio pipeline / training per dataset (target >= 10);
  - peak RSS (`resource.getrusage` in a subprocess) while training on
    full-size dSprites and Shapes3D (target <= 1.5 GB).

    python benchmarks/dataset_throughput.py [--batches 100] [--steps 30] [--mpi3d_images 115200]

Sizes written: dSprites 737280x64x64 (3.0 GB npz; uncompressed, as reading the
compressed release goes through a one-time decompression into the cache and
then the same reads), Shapes3D 480000x64x64x3 (5.9 GB h5), SmallNORB 2 x
24300x2x96x96 (0.9 GB), Cars3D 183 x 128x128x3x24x4 (0.9 GB). MPI3D writes one
file of `--mpi3d_images` images (default 115200, 1.4 GB, a 2x2x2x3x3x40x40 grid
in the real layout; 1036800 = 12.7 GB is full size) shared by toy, realistic
and real. Needs ~12 GB of free disk in --tmp; `--scale 0.1` writes a tenth.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from common import make_beta_vae, pipeline_images_per_second

FILE_BACKED = (
    "dsprites",
    "color_dsprites",
    "noisy_dsprites",
    "scream_dsprites",
    "shapes3d",
    "smallnorb",
    "cars3d",
    "mpi3d_toy",
    "mpi3d_realistic",
    "mpi3d_real",
)


def write_files(root, scale, mpi3d_images):
    """Synthetic files in the released formats; returns {name: constructor kwargs}."""
    from PIL import Image

    from kvae.data import synthetic

    def cut(sizes, count=None):  # shrink the first factors until the grid holds about `count` images
        sizes, count = list(sizes), count or int(np.prod(sizes) * scale)
        for i in range(len(sizes)):
            while np.prod(sizes) > count and sizes[i] > 1:
                sizes[i] -= 1
        return tuple(sizes)

    def timed(what, fn, *args, **kwargs):
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        print(f"  wrote {what} in {time.perf_counter() - start:.0f} s", flush=True)
        return out

    kw = {}
    dsprites = cut((3, 6, 40, 32, 32))
    timed(
        f"dSprites {dsprites}", synthetic.write_dsprites, f"{root}/dsprites.npz", dsprites, compressed=False
    )
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (274, 350, 3), np.uint8)).save(
        f"{root}/scream.jpg"
    )
    for name in ("dsprites", "color_dsprites", "noisy_dsprites", "scream_dsprites"):
        kw[name] = {"path": f"{root}/dsprites.npz", "factor_sizes": dsprites}
    kw["scream_dsprites"]["image_path"] = f"{root}/scream.jpg"
    shapes = cut((10, 10, 10, 8, 4, 15))
    timed(f"Shapes3D {shapes}", synthetic.write_shapes3d, f"{root}/3dshapes.h5", shapes)
    kw["shapes3d"] = {"path": f"{root}/3dshapes.h5", "factor_sizes": shapes}
    norb = cut((5, 10, 9, 18, 6))
    timed(f"SmallNORB {norb}", synthetic.write_smallnorb, f"{root}/small_norb", norb)
    kw["smallnorb"] = {"directory": f"{root}/small_norb", "factor_sizes": norb[:1] + norb[2:]}
    cars = max(1, int(183 * scale))
    timed(f"Cars3D {cars} cars", synthetic.write_cars3d, f"{root}/cars", cars)
    kw["cars3d"] = {"directory": f"{root}/cars", "factor_sizes": (4, 24, cars)}
    mpi3d = cut((6, 6, 2, 3, 3, 40, 40), int(mpi3d_images * scale))
    timed(f"MPI3D {mpi3d}", synthetic.write_mpi3d, f"{root}/mpi3d.npz", mpi3d)
    for name in ("mpi3d_toy", "mpi3d_realistic", "mpi3d_real"):
        kw[name] = {"path": f"{root}/mpi3d.npz", "factor_sizes": mpi3d}
    return kw


def train_rate(shape, batch_size, steps):
    model = make_beta_vae(shape)
    batch = np.random.default_rng(0).random((batch_size,) + shape, dtype=np.float32).round()
    for _ in range(3):
        model.train_on_batch(batch)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(batch)
    return steps * batch_size / (time.perf_counter() - start)


def train_and_report_rss(name, kwargs, steps, batch_size):
    """Run in a subprocess: train beta-VAE on the dataset's pipeline; print peak RSS as JSON.

    Linux carries the parent's peak RSS into `ru_maxrss` across exec (the
    subprocess is spawned from this big benchmark process), so the work runs in
    a fork of the still small child, whose own `ru_maxrss` starts from zero.
    """
    pid = os.fork()
    if pid:
        os._exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    import resource

    import kvae.data

    data = kvae.data.get(name, **kwargs)
    model = make_beta_vae(data.observation_shape)
    iterator = iter(kvae.data.make_dataset(data, batch_size, seed=0))
    for _ in range(steps):
        model.train_on_batch(next(iterator))
    with open("/proc/self/status") as f:
        hwm = [int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM")]
    print(
        json.dumps(
            {
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "vm_hwm_mb": hwm[0] if hwm else None,
            }
        ),
        flush=True,
    )
    os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--batches", type=int, default=100, help="timed pipeline batches per dataset")
    parser.add_argument("--steps", type=int, default=30, help="timed training steps")
    parser.add_argument("--rss_steps", type=int, default=200, help="training steps of the peak-RSS runs")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full file sizes to write")
    parser.add_argument("--mpi3d_images", type=int, default=115200)
    parser.add_argument("--tmp", default=None, help="where the synthetic files go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic files")
    parser.add_argument("--rss_child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        return train_and_report_rss(
            args.rss_child[0], json.loads(args.rss_child[1]), args.rss_steps, args.batch_size
        )

    import kvae.data

    root = tempfile.mkdtemp(prefix="kvae-bench-", dir=args.tmp)
    os.environ["KVAE_CACHE"] = os.path.join(root, "cache")
    try:
        print(f"Writing synthetic dataset files to {root} (scale {args.scale})", flush=True)
        kwargs = write_files(root, args.scale, args.mpi3d_images)
        kwargs["perturbed"] = {"base": kvae.data.get("dsprites", **kwargs["dsprites"]), "eps": 0.1}
        kwargs["perturbed"]["s"] = np.random.default_rng(0).normal(size=len(kwargs["perturbed"]["base"])) * 10
        kwargs["uniform_noise"] = {"base": kwargs["perturbed"]["base"], "eps": 0.1}
        rates = {
            1: train_rate((64, 64, 1), args.batch_size, args.steps),
            3: train_rate((64, 64, 3), args.batch_size, args.steps),
        }
        print(
            f"\nbeta-VAE training, batch {args.batch_size}: {rates[1]:.0f} images/s (64x64x1), "
            f"{rates[3]:.0f} images/s (64x64x3)"
        )
        print(
            f"\n{'dataset':18s} {'construct s':>11s} {'pipeline img/s':>15s} {'/ training':>11s}  "
            "(target >= 10)"
        )
        for name in kvae.data.names():
            start = time.perf_counter()
            data = kvae.data.get(name, **kwargs.get(name, {}))
            built = time.perf_counter() - start
            rate = pipeline_images_per_second(data, args.batch_size, args.batches)
            ratio = rate / rates[data.observation_shape[-1]]
            print(
                f"{name:18s} {built:11.1f} {rate:15.0f} {ratio:11.1f}  "
                f"{'ok' if ratio >= 10 else 'BELOW TARGET'}",
                flush=True,
            )
        print(f"\nPeak RSS training beta-VAE for {args.rss_steps} steps (target <= 1536 MB):")
        for name in ("dsprites", "shapes3d"):
            child = [
                sys.executable,
                __file__,
                "--rss_child",
                name,
                json.dumps(kwargs[name]),
                "--rss_steps",
                str(args.rss_steps),
                "--batch_size",
                str(args.batch_size),
            ]
            out = subprocess.run(child, capture_output=True, text=True, env=dict(os.environ))
            if out.returncode:
                print(f"{name:18s} failed: {out.stderr.strip().splitlines()[-1]}")
                continue
            rss = json.loads(out.stdout.strip().splitlines()[-1])["peak_rss_mb"]
            size = os.path.getsize(kwargs[name]["path"]) / 2**20
            print(f"{name:18s} {rss:8.0f} MB (file {size:.0f} MB)  {'ok' if rss <= 1536 else 'ABOVE TARGET'}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
