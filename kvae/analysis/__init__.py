"""Analysis tools that explain why a model disentangles or does not."""

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
