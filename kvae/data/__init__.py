"""Ground-truth datasets (procedural and file-backed) and their tf.data pipelines.

    from kvae import data

    dataset = data.get("xysquares")                       # any of data.names()
    batches = data.make_dataset(dataset, 64, seed=0, mode=frame.input_mode)

A new dataset subclasses `GroundTruthData` (or `ProceduralData`) and registers
itself with `@data.register("name")`; importing kvae.data registers kvae's own.
The building blocks (`kvae.data.files`, `kvae.data.sampling`, `kvae.data.pairs`,
`kvae.data.noise`, `kvae.data.synthetic`, `kvae.data.download`) are imported
from their modules.
"""

from kvae.data.cars3d import Cars3D
from kvae.data.dsprites_files import DSprites
from kvae.data.dsprites_variants import ColorDSprites, NoisyDSprites, ScreamDSprites
from kvae.data.files import CorruptDatasetError, MissingDatasetError
from kvae.data.ground_truth import GroundTruthData, factor_grid
from kvae.data.mpi3d import MPI3DReal, MPI3DRealistic, MPI3DToy
from kvae.data.perturbed import PerturbationFactor, Perturbed, UniformNoise
from kvae.data.pipeline import MODES, make_dataset
from kvae.data.procedural import ProceduralData
from kvae.data.procedural_dsprites import ProceduralDSprites
from kvae.data.registry import DATASETS, get, names, register
from kvae.data.shapes3d import Shapes3D
from kvae.data.smallnorb import SmallNORB
from kvae.data.stats import channel_stats, dataset_stats
from kvae.data.xyobject import XYObject
from kvae.data.xysquares import XYSquares

__all__ = [
    # The interface and the registry.
    "GroundTruthData", "ProceduralData", "DATASETS", "register", "get", "names",
    # Pipelines and statistics.
    "make_dataset", "MODES", "channel_stats", "dataset_stats", "factor_grid",
    # Errors of file-backed datasets.
    "MissingDatasetError", "CorruptDatasetError",
    # Datasets.
    "XYSquares", "XYObject", "ProceduralDSprites",
    "DSprites", "ColorDSprites", "NoisyDSprites", "ScreamDSprites",
    "Shapes3D", "SmallNORB", "Cars3D", "MPI3DToy", "MPI3DRealistic", "MPI3DReal",
    "Perturbed", "PerturbationFactor", "UniformNoise",
]
