"""Visualisation: reconstruction, traversal and sample grids."""

from kvae.viz.grids import image_grid, reconstruction_grid, sample_grid, save_png, traversal_grid

__all__ = ["image_grid", "reconstruction_grid", "sample_grid", "save_png", "traversal_grid"]
