"""Analysis tools that explain why a model disentangles or does not."""

from kvae.analysis.groups import group_bounds, group_informativeness, prefix_reconstructions
from kvae.analysis.latents import latent_structure
from kvae.analysis.pca_view import explained_global_variance, information_level, local_expansiveness, pca_view
from kvae.analysis.perceived_distance import (
    LEVELS,
    average_distance_matrix,
    distance_correlations,
    distance_matrices,
    factor_traversal_distances,
    ground_truth_distances,
    model_distance_matrices,
    pairwise_distances,
    perceived_distance,
)

__all__ = [
    "LEVELS",
    "average_distance_matrix",
    "distance_correlations",
    "distance_matrices",
    "explained_global_variance",
    "factor_traversal_distances",
    "ground_truth_distances",
    "group_bounds",
    "group_informativeness",
    "information_level",
    "latent_structure",
    "local_expansiveness",
    "model_distance_matrices",
    "pairwise_distances",
    "pca_view",
    "perceived_distance",
    "prefix_reconstructions",
]
