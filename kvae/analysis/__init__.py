"""Analysis tools that explain why a model disentangles or does not."""

from kvae.analysis.perceived_distance import average_distance_matrix, factor_traversal_distances, perceived_distance
