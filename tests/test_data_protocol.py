"""The ground-truth dataset protocol: either rendering, index helpers, the registry, one-way imports."""

import ast
import os

import numpy as np
import pytest
import tensorflow as tf

import kvae.data
from kvae.data import DATASETS, GroundTruthData, ProceduralData, XYSquares, factor_grid
from kvae.data.ground_truth import to_float
from kvae.errors import KvaeError


class NumPyBars(GroundTruthData):
    """Implements only the NumPy `render`: uint8 bars."""

    name, factor_names, factor_sizes, observation_shape = "bars", ("column",), (4,), (2, 4, 1)

    def render(self, factors):
        images = np.zeros((len(factors), 2, 4, 1), np.uint8)
        images[np.arange(len(factors)), :, np.asarray(factors)[:, 0]] = 255
        return images


class GraphBars(ProceduralData):
    """Implements only `render_tf`: the same bars as float32."""

    name, factor_names, factor_sizes, observation_shape = "graph_bars", ("column",), (4,), (2, 4, 1)

    def render_tf(self, factors):
        columns = tf.one_hot(factors[:, 0], 4)  # [N, 4]
        return tf.tile(columns[:, None, :, None], (1, 2, 1, 1))


class NoisyBars(GraphBars):
    """A stochastic dataset: each draw adds the draw id to every pixel."""

    stochastic = True

    def render_tf(self, factors, draws=None):
        draws = self.draw_ids_tf(factors, draws)
        return super().render_tf(factors) + tf.cast(draws, tf.float32)[:, None, None, None]


def test_either_rendering_gives_the_other():
    factors = np.array([[0], [3], [1]])
    expected = np.zeros((3, 2, 4, 1), np.float32)
    expected[[0, 1, 2], :, [0, 3, 1]] = 1.0
    numpy_bars, graph_bars = NumPyBars(), GraphBars()
    np.testing.assert_array_equal(to_float(numpy_bars.render_tf(tf.constant(factors, tf.int64))), expected)
    assert numpy_bars.render_tf(tf.constant(factors, tf.int64)).dtype == tf.uint8
    np.testing.assert_array_equal(graph_bars.render(factors), expected)
    for data in (numpy_bars, graph_bars):
        np.testing.assert_array_equal(data.observations(factors), expected)
        np.testing.assert_array_equal(data.observations_tf(tf.constant(factors, tf.int64)), expected)
    with pytest.raises(NotImplementedError, match="Empty must implement render_tf"):
        type("Empty", (GroundTruthData,), {"factor_sizes": (2,)})().render([[0]])


def test_stochastic_draws():
    data, factors = NoisyBars(), np.array([[0], [3], [1]])
    assert not GroundTruthData.stochastic and not XYSquares().stochastic and data.stochastic
    noise = data.render(factors) - GraphBars().render(factors)  # without draws: the flat indices
    np.testing.assert_array_equal(noise, np.float32([0, 3, 1])[:, None, None, None] * np.ones((3, 2, 4, 1)))
    np.testing.assert_array_equal(data.render(factors, draws=[7, 7, 9])[:, 0, 0, 0], [8, 7, 9])
    drawn = data.observations_tf(tf.constant(factors), tf.constant([5, 5, 5], tf.int64))
    np.testing.assert_array_equal(drawn[:, 0, 0, 0], [6, 5, 5])
    with pytest.raises(KvaeError, match="graph_bars: draws are for stochastic datasets"):
        GraphBars().render(factors, draws=[1, 2, 3])


def test_index_helpers_and_factor_grid():
    data = XYSquares(grid_size=3)
    grid = factor_grid(data.factor_sizes)
    assert grid.shape == (3**6, 6) and grid.dtype == np.int64
    np.testing.assert_array_equal(grid[:4, 4:], [[0, 0], [0, 1], [0, 2], [1, 0]])
    assert not grid[:4, :4].any()
    np.testing.assert_array_equal(grid, data.index_to_factors(np.arange(len(data))))
    np.testing.assert_array_equal(data.factors_to_index_tf(tf.constant(grid)), np.arange(len(data)))
    np.testing.assert_array_equal(data.index_to_factors_tf(tf.range(len(data), dtype=tf.int64)), grid)
    np.testing.assert_array_equal(factor_grid((2, 3)), [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]])


def test_to_float_keeps_arrays_and_tensors():
    images = np.array([0, 51, 255], np.uint8)
    np.testing.assert_array_equal(to_float(images), np.float32([0.0, 0.2, 1.0]))
    assert isinstance(to_float(images), np.ndarray) and to_float(images).dtype == np.float32
    assert tf.is_tensor(to_float(tf.constant(images))) and to_float(tf.constant(images)).dtype == tf.float32
    np.testing.assert_array_equal(to_float(tf.constant(images)), to_float(images))
    np.testing.assert_array_equal(to_float(np.array([0.5], np.float64)), np.float32([0.5]))


def test_every_dataset_is_registered_where_it_is_defined():
    assert DATASETS is kvae.data.registry.DATASETS and DATASETS.kind == "datasets"
    assert kvae.data.names() == DATASETS.names() and "xysquares" in DATASETS and len(DATASETS) == 16
    assert kvae.data.registry.get_class("xysquares") is XYSquares is DATASETS.get("xysquares")
    for name in DATASETS:
        assert DATASETS.get(name).name == name and DATASETS.get(name).__module__.startswith("kvae.data.")
    with pytest.raises(KvaeError, match="'xysquares' is already registered to kvae.data.xysquares.XYSquares"):
        kvae.data.register("xysquares", GraphBars)


def test_data_modules_import_one_way():
    """No import circle among kvae/data's modules (the package `__init__` aside)."""
    root = os.path.dirname(kvae.data.__file__)
    modules = {name[:-3] for name in os.listdir(root) if name.endswith(".py") and name != "__init__.py"}
    imports = {}
    for module in modules:
        tree = ast.parse(open(os.path.join(root, f"{module}.py")).read())
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "kvae.data":
                found |= {alias.name for alias in node.names} & modules
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kvae.data."):
                found.add(node.module.split(".")[2])
        imports[module] = found
    assert "stats" in imports["pipeline"] and "pipeline" not in imports["stats"]

    def reach(module, seen):
        for other in imports[module] - seen:
            seen.add(other)
            reach(other, seen)
        return seen

    assert [module for module in sorted(modules) if module in reach(module, set())] == []
