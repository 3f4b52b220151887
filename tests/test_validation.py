"""Bad arguments of frames, nets, losses and datasets: one-line `KvaeError`s naming the expected and the given."""

import os
import zipfile

import numpy as np
import pytest

from kvae import data, frames, losses, nets
from kvae.data import factor_grid, files, synthetic
from kvae.errors import KvaeError

SIZES = (1, 1, 2, 2, 3)  # a 12-image dSprites grid
FILENAME = "dsprites_ndarray_co1sh3sc6or40x32y32_64x64"


def encoder(latent_dim=6):
    return nets.ConvEncoder(latent_dim, (64, 64, 1))


def decoder():
    return nets.ConvDecoder((64, 64, 1))


def frame(cls, **kwargs):
    return cls(encoder(), decoder(), **kwargs)


def dsprites_file(path, images=None, dtype=np.uint8, compressed=False):
    """A 12-image dSprites npz (`imgs` of `dtype`), as the release lays it out."""
    count = int(np.prod(SIZES))
    images = np.random.default_rng(0).integers(0, 2, (count, 64, 64)) if images is None else images
    classes = np.concatenate([np.zeros((count, 1), np.int64), factor_grid(SIZES)], axis=1)
    synthetic.write_npz(str(path), {"imgs": ((count, 64, 64), dtype, images), "latents_classes": (classes.shape, np.int64, classes)},
                        compressed)
    return str(path)


def damaged_npz(tmp_path):
    """A compressed dSprites npz whose `imgs` deflate stream is overwritten in the middle."""
    path = dsprites_file(tmp_path / "damaged.npz", compressed=True)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("imgs.npy")
    with open(path, "r+b") as f:
        f.seek(info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2)
        f.write(b"\xff" * 64)
    return path


def truncated_h5(tmp_path):
    path = str(tmp_path / "dsprites.hdf5")
    synthetic.write_dsprites(path, SIZES)
    with open(path, "r+b") as f:
        f.truncate(1000)
    return path


CASES = {
    # Frames.
    "beta as a string": (lambda: frame(frames.BetaVAE, beta="4"), "BetaVAE: beta must be a number >= 0, got '4' (str)"),
    "negative beta": (lambda: frame(frames.BetaVAE, beta=-1.0), "beta must be a finite number >= 0, got -1.0"),
    "nan beta": (lambda: frame(frames.BetaVAE, beta=float("nan")), "beta must be a finite number >= 0, got nan"),
    "seed as a string": (lambda: frame(frames.VAE, seed="0"), "VAE: seed must be an integer >= 0, got '0' (str)"),
    "negative seed": (lambda: frame(frames.VAE, seed=-1), "VAE: seed must be an integer >= 0, got -1"),
    "no encoder": (lambda: frames.VAE(None, decoder()), "VAE: encoder must be a Keras layer with a latent_dim"),
    "decoder not a layer": (lambda: frames.VAE(encoder(), "conv"), "decoder must be a Keras layer (e.g. kvae.nets.ConvDecoder), got 'conv'"),
    "unknown loss": (lambda: frame(frames.VAE, reconstruction_loss="mse_box"), "unknown reconstruction loss 'mse_box': expected one of"),
    "annealing threshold 0": (lambda: frame(frames.AnnealedVAE, iteration_threshold=0), "iteration_threshold must be an integer >= 1, got 0"),
    "negative capacity": (lambda: frame(frames.AnnealedVAE, c_max=-5), "AnnealedVAE: c_max must be a finite number >= 0, got -5"),
    "gamma as a string": (lambda: frame(frames.FactorVAE, gamma="10"), "FactorVAE: gamma must be a number >= 0, got '10' (str)"),
    "discriminator by name": (lambda: frame(frames.FactorVAE, discriminator="mlp"), "discriminator must be a Keras layer mapping codes to 2 logits, got 'mlp'"),
    "unknown discriminator optimizer": (lambda: frame(frames.FactorVAE, discriminator_optimizer="adamx"), "discriminator_optimizer must be a Keras optimizer or its config, got 'adamx'"),
    "no dataset size": (lambda: frame(frames.BetaTCVAE), "BetaTCVAE needs dataset_size"),
    "fractional dataset size": (lambda: frame(frames.BetaTCVAE, dataset_size=2.5), "dataset_size (the number of training examples) must be an integer >= 1, got 2.5"),
    "unknown sampling": (lambda: frame(frames.BetaTCVAE, dataset_size=10, sampling="exact"), "sampling must be one of 'mws', 'mss', got 'exact'"),
    "decomposed as a string": (lambda: frame(frames.BetaTCVAE, dataset_size=10, decomposed="yes"), "decomposed must be True or False, got 'yes'"),
    "unknown DIP type": (lambda: frame(frames.DIPVAE, dip_type="iii"), "DIPVAE: dip_type must be one of 'i', 'ii', got 'iii'"),
    "negative lambda_od": (lambda: frame(frames.DIPVAE, lambda_od=-1), "lambda_od must be a finite number >= 0, got -1"),
    "no groups": (lambda: frame(frames.GroupedVAE, groups=0), "groups (latent_dim 6) must be an integer in [1, 6], got 0"),
    "group sizes too large": (lambda: frame(frames.GroupedVAE, groups=[3, 3, 3]), "groups must be group sizes summing to latent_dim 6, got [3, 3, 3]"),
    "threshold ratio above 1": (lambda: frame(frames.AdaGVAE, threshold_ratio=1.5), "AdaGVAE: threshold_ratio must be a finite number in [0, 1], got 1.5"),
    "symmetric_kl as 1": (lambda: frame(frames.AdaGVAE, symmetric_kl=1), "symmetric_kl must be True or False, got 1"),
    # Nets.
    "no latents": (lambda: nets.ConvEncoder(0), "ConvEncoder: latent_dim must be an integer >= 1, got 0"),
    "latents as a string": (lambda: nets.ConvEncoder("10"), "ConvEncoder: latent_dim must be an integer >= 1, got '10' (str)"),
    "32x32 conv encoder": (lambda: nets.ConvEncoder(10, (32, 32, 1)), "ConvEncoder: image_shape must be 64x64xC (height, width, channels), got (32, 32, 1)"),
    "three kernel sizes": (lambda: nets.ConvEncoder(10, kernel_sizes=(4, 4, 2)), "kernel_sizes (one per conv layer) must be 4 integers >= 1, got (4, 4, 2)"),
    "image shape without channels": (lambda: nets.ConvDecoder((64, 64)), "ConvDecoder: image_shape (height, width, channels) must be 3 integers >= 1, got (64, 64)"),
    "latents as a bool": (lambda: nets.FCEncoder(True), "FCEncoder: latent_dim must be an integer >= 1, got True (bool)"),
    "no discriminator units": (lambda: nets.Discriminator(units=0), "Discriminator: units must be an integer >= 1, got 0"),
    "negative leaky slope": (lambda: nets.Discriminator(negative_slope=-0.1), "negative_slope must be a finite number >= 0, got -0.1"),
    # Losses.
    "negative alpha": (lambda: losses.AugmentedLoss("mse", losses.box_kernel(2), alpha=-1), "AugmentedLoss: alpha must be a finite number >= 0, got -1"),
    "unknown convolution": (lambda: losses.AugmentedLoss("mse", losses.box_kernel(2), method="direct"), "method must be one of 'auto', 'fft', 'separable', got 'direct'"),
    "even kernel": (lambda: losses.AugmentedLoss("mse", np.ones((4, 4))), "kernel must be a finite 2D array with odd sides, got shape (4, 4)"),
    "fractional radius": (lambda: losses.box_kernel(2.5), "kernel: radius must be an integer >= 0, got 2.5"),
    "gaussian of radius 0": (lambda: losses.gaussian_kernel(0), "radius 0 needs one) must be a finite number > 0, got 0.0"),
    # Procedural datasets and pipelines.
    "grid spacing too wide": (lambda: data.XYSquares(grid_spacing=9), "XYSquares: grid_spacing (for 8 positions of a 8px square on a 64px canvas) must be an integer in [1, 8], got 9"),
    "grid spacing as a string": (lambda: data.XYSquares(grid_spacing="8"), "must be an integer in [1, 8], got '8' (str)"),
    "unknown palette": (lambda: data.get("xyobject", palette_name="pastel_4"), "XYObject: palette_name must be '<hues>_<levels>'"),
    "unknown dataset": (lambda: data.get("dsprite"), "unknown dataset 'dsprite'; known datasets: cars3d"),
    "batch size 0": (lambda: data.make_dataset("xysquares", 0, 0), "batch_size must be a positive integer, got 0"),
    "unknown mode": (lambda: data.make_dataset("xysquares", 8, 0, mode="triplet"), "mode 'triplet' is not implemented; available modes: single, pair"),
    "seed as a string": (lambda: data.make_dataset("xysquares", 8, "0"), "make_dataset: seed must be an integer, got '0' (str)"),
    "k too large": (lambda: data.make_dataset("xysquares", 8, 0, mode="pair", k=7), "k must be None/-1 (random 1..F-1) or an integer in [1, 6]"),
}

FILE_CASES = {
    "path as a number": (lambda tmp: data.DSprites(path=3), "dsprites: path must be a file or directory path (a string), got 3"),
    "missing file": (lambda tmp: data.DSprites(path=str(tmp / "none.npz")), "dsprites: dataset file not found; looked at"),
    "factor sizes of 3 factors": (lambda tmp: data.DSprites(path=dsprites_file(tmp / "d.npz"), factor_sizes=(1, 1, 2)),
                                  "DSprites: factor_sizes must be 5 integers >= 1, got (1, 1, 2)"),
    "float images": (lambda tmp: data.DSprites(path=dsprites_file(tmp / "f.npz", dtype=np.float32), factor_sizes=SIZES),
                     "f.npz' has 'imgs' of dtype float32, expected uint8"),
    "images in {0, 255}": (lambda tmp: data.DSprites(path=dsprites_file(tmp / "v.npz", images=np.full((12, 64, 64), 255)), factor_sizes=SIZES),
                           "v.npz' has 'imgs' values [255], expected only [0, 1]"),
    "damaged compressed npz": (lambda tmp: data.DSprites(path=damaged_npz(tmp), factor_sizes=SIZES),
                               "damaged.npz' is corrupt: it could not be read or decompressed"),
    "truncated hdf5": (lambda tmp: data.DSprites(path=truncated_h5(tmp), factor_sizes=SIZES),
                       "dsprites.hdf5' is corrupt: it could not be read or decompressed (OSError"),
    "variant seed as a string": (lambda tmp: data.ColorDSprites(path=dsprites_file(tmp / "c.npz"), factor_sizes=SIZES, seed="1"),
                                 "ColorDSprites: seed must be an integer, got '1' (str)"),
    "MPI3D of int16 images": (lambda tmp: data.MPI3DToy(path=write_mpi3d_int16(tmp)), "has 'images' of dtype int16, expected uint8"),
}


def write_mpi3d_int16(tmp):
    path = str(tmp / "mpi3d_toy.npz")
    synthetic.write_npz(path, {"images": ((4, 64, 64, 3), np.int16, np.zeros((4, 64, 64, 3), np.int16))})
    return path


def check_one_line(error, expected):
    message = str(error)
    assert isinstance(error, KvaeError), (type(error), message)
    assert "\n" not in message, message
    assert expected in message, message


def test_bad_arguments_are_one_line_kvae_errors():
    for name, (build, expected) in CASES.items():
        with pytest.raises(KvaeError) as error:
            build()
        check_one_line(error.value, expected)
    assert len(CASES) >= 40


def test_bad_dataset_files_name_the_file_and_what_is_wrong(tmp_path):
    for i, (name, (build, expected)) in enumerate(FILE_CASES.items()):
        directory = tmp_path / str(i)
        directory.mkdir()
        with pytest.raises(KvaeError) as error:
            build(directory)
        check_one_line(error.value, expected)


def test_missing_and_corrupt_dataset_errors_are_also_the_usual_exception_types(tmp_path):
    with pytest.raises(FileNotFoundError):
        data.DSprites(path=str(tmp_path / "none.npz"))
    with pytest.raises(files.CorruptDatasetError):
        data.DSprites(path=damaged_npz(tmp_path), factor_sizes=SIZES)
    assert not [name for name in os.listdir(os.environ["KVAE_CACHE"]) if name.endswith(".npy")]  # no half-written cache


def test_good_arguments_pass_unchanged():
    model = frame(frames.BetaTCVAE, beta=np.float32(6), dataset_size=np.int64(737280), alpha=1, seed=np.int64(3))
    assert (model.beta, model.dataset_size, model.alpha, model.seed) == (6.0, 737280, 1.0, 3)
    assert type(model.beta) is float and type(model.dataset_size) is int and type(model.seed) is int
    assert nets.ConvEncoder(10, [64, 64, 3], [4, 4, 2, 2]).kernel_sizes == (4, 4, 2, 2)
    assert frame(frames.GroupedVAE, groups=(2, 4)).groups == [2, 4]
