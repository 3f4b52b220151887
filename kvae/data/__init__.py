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
