"""Ground-truth datasets (procedural and file-backed) and their tf.data pipelines."""

from kvae.data.ground_truth import GroundTruthData, to_float
from kvae.data.procedural import ProceduralData
from kvae.data.registry import get, names, register
from kvae.data.xysquares import XYSquares
from kvae.data.dsprites import ProceduralDSprites
from kvae.data.pipeline import (
    MODES,
    channel_stats,
    factor_batches,
    index_to_factors_tf,
    make_dataset,
    sample_factors_tf,
)
from kvae.data.files import CorruptDatasetError, MissingDatasetError, data_root
from kvae.data.dsprites_files import DSprites
from kvae.data.dsprites_variants import ColorDSprites, NoisyDSprites, ScreamDSprites
from kvae.data.shapes3d import Shapes3D
from kvae.data.smallnorb import SmallNORB
from kvae.data.cars3d import Cars3D
from kvae.data.mpi3d import MPI3DReal, MPI3DRealistic, MPI3DToy
from kvae.data.xyobject import XYObject
from kvae.data.perturbed import PerturbationFactor, Perturbed, UniformNoise
from kvae.data.pairs import sample_pairs
from kvae.data.stats import dataset_stats
