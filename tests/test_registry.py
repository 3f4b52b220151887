"""The registries (frames, nets, losses, metrics), the public API of each package and the deprecated names."""

import functools
import importlib
import json
import zipfile

import keras
import numpy as np
import pytest

import kvae
from kvae import frames, losses, metrics, nets
from kvae.registry import REGISTRIES, Registry, UnknownNameError, first_doc_line

SHAPE = (8, 8, 1)
PACKAGES = [
    "kvae",
    "kvae.analysis",
    "kvae.cli",
    "kvae.compat",
    "kvae.frames",
    "kvae.losses",
    "kvae.metrics",
    "kvae.nets",
    "kvae.studies",
    "kvae.viz",
]


def test_each_registry_holds_its_stable_names():
    assert frames.FRAMES.names() == sorted(
        [
            "ae",
            "vae",
            "beta_vae",
            "annealed_vae",
            "factor_vae",
            "beta_tcvae",
            "dip_vae",
            "group_vae",
            "ml_vae",
            "ada_gvae",
            "ada_ml_vae",
            "grouped_vae",
        ]
    )
    assert frames.FRAMES["beta_vae"] is frames.BetaVAE and frames.FRAMES["group_vae"] is frames.GVAE
    assert dict(nets.NETS) == {
        "conv_encoder": nets.ConvEncoder,
        "conv_decoder": nets.ConvDecoder,
        "fc_encoder": nets.FCEncoder,
        "fc_decoder": nets.FCDecoder,
        "discriminator": nets.Discriminator,
    }
    assert losses.LOSSES.names() == ["bce", "bernoulli", "continuous_bernoulli", "l1", "mse", "mse_linear"]
    assert metrics.METRICS.names() == sorted(
        [
            "mig",
            "beta_vae",
            "factor_vae",
            "dci",
            "sap",
            "modularity_explicitness",
            "irs",
            "unsupervised",
            "downstream_logistic_regression",
            "downstream_gradient_boosting",
            "mic",
            "active_units",
            "udr_lasso",
            "udr_spearman",
        ]
    )
    assert metrics.get("mig") is metrics.compute_mig
    lasso = metrics.get("udr_lasso")
    assert lasso.func is metrics.compute_udr and lasso.keywords == {"correlation": "lasso"}
    assert [REGISTRIES[kind] for kind in ("frames", "nets", "losses", "metrics")] == [
        frames.FRAMES,
        nets.NETS,
        losses.LOSSES,
        metrics.METRICS,
    ]


def test_registered_keras_classes_serialise_under_kvae_names():
    for cls in (*frames.FRAMES.values(), *nets.NETS.values(), *losses.LOSSES.values()):
        assert keras.saving.get_registered_name(cls) == f"kvae>{cls.__name__}"
    assert keras.saving.get_registered_object("kvae>GroupVAE") is frames.GVAE  # files saved before the rename


def test_unknown_names_raise_one_line_listing_the_known_ones():
    with pytest.raises(UnknownNameError, match=r"^unknown loss 'huber'; known losses: bce, bernoulli, "):
        losses.LOSSES.get("huber")
    with pytest.raises(KeyError, match="unknown frame 'beta'; known frames: ada_gvae, ada_ml_vae, ae,"):
        frames.FRAMES["beta"]
    with pytest.raises(
        ValueError, match="unknown net 'conv'; known nets: conv_decoder, conv_encoder, discriminator"
    ):
        nets.NETS.get("conv")


def test_a_name_taken_by_another_object_is_refused():
    registry = Registry("widgets")

    @registry.register("a")
    def first():
        """The first widget."""

    assert registry.register("a", first) is first  # the same object again: a no-op
    with pytest.raises(kvae.errors.KvaeError, match="widget name 'a' is already registered to"):
        registry.register("a", lambda: None)


def test_first_doc_line_is_the_summary_and_names_what_a_partial_binds():
    def fn(x, scale=1):
        """Scales
        x.

        More."""

    assert first_doc_line(fn) == "Scales x."
    assert first_doc_line(functools.partial(fn, 2, scale=3)) == "Scales x (2, scale=3)"
    assert first_doc_line(lambda: None) == ""


def test_metric_modules_are_private_and_their_names_are_the_functions():
    assert callable(metrics.mig) and metrics.mig.__module__ == "kvae.metrics._mig"
    assert callable(metrics.modularity_explicitness) and callable(metrics.dci)
    for module in ("mig", "dci", "utils", "modularity"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(f"kvae.metrics.{module}")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_declares_its_public_names(package):
    module = importlib.import_module(package)
    assert (
        module.__all__ == sorted(module.__all__, key=lambda name: (not name.isupper(), name))
        or package == "kvae"
    )
    for name in module.__all__:
        assert getattr(module, name) is not None, name


def test_kvae_does_not_leak_the_modules_it_imports():
    public = {name for name, value in vars(kvae).items() if not name.startswith("_")}
    own = {name for name, value in vars(kvae).items() if getattr(value, "__name__", "") == f"kvae.{name}"}
    assert public - own <= set(kvae.__all__), (
        public - own - set(kvae.__all__)
    )  # kvae's own modules, or __all__
    assert not hasattr(kvae, "os") and not hasattr(kvae, "sys") and not hasattr(kvae, "re")


def test_renamed_names_warn_and_still_work():
    with pytest.warns(
        DeprecationWarning, match=r"kvae\.frames\.GroupVAE is deprecated: use kvae\.frames\.GVAE"
    ):
        assert frames.GroupVAE is frames.GVAE
    with pytest.warns(DeprecationWarning, match=r"kvae\.nets\.ENCODERS is deprecated"):
        assert nets.ENCODERS == {"conv": nets.ConvEncoder, "fc": nets.FCEncoder}
    with pytest.warns(DeprecationWarning, match=r"kvae\.nets\.DECODERS is deprecated"):
        assert nets.DECODERS == {"conv": nets.ConvDecoder, "fc": nets.FCDecoder}
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchFrame'"):
        _ = frames.NoSuchFrame


def _pairs(n=4):
    rng = np.random.default_rng(0)
    return rng.random((n, 2) + SHAPE).astype(np.float32), (rng.random((n, 2)) < 0.5).astype(np.float32)


def test_a_keras_file_saved_with_the_old_group_vae_class_name_loads_as_gvae(tmp_path):
    """A .keras file written before the rename (class_name GroupVAE, module kvae.frames.ada_gvae) loads."""
    model = frames.GVAE(
        nets.FCEncoder(3, SHAPE), nets.FCDecoder(SHAPE), beta=2.0, reconstruction_loss="mse", seed=0
    )
    model.build((None,) + SHAPE)
    path, old = tmp_path / "new.keras", tmp_path / "old.keras"
    model.save(path)
    with zipfile.ZipFile(path) as new, zipfile.ZipFile(old, "w") as written:
        for item in new.infolist():
            content = new.read(item)
            if item.filename == "config.json":
                config = json.loads(content)
                assert (
                    config["registered_name"] == "kvae>GVAE"
                    and config["config"]["reconstruction_loss"] == "mse"
                )
                config.update(
                    class_name="GroupVAE", registered_name="kvae>GroupVAE", module="kvae.frames.ada_gvae"
                )
                content = json.dumps(config)
            written.writestr(item, content)
    loaded = keras.saving.load_model(old)
    assert type(loaded) is frames.GVAE and loaded.beta == 2.0 and loaded.reconstruction_loss.name == "mse"
    x = _pairs()[0][:, 0]
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))


def test_old_gin_configs_naming_group_vae_still_configure_it():
    import gin

    import kvae.config  # noqa: F401  (registers every configurable)

    gin.parse_config(["GroupVAE.beta = 3.0"])
    try:
        configurable = gin.get_configurable("GroupVAE")
        model = configurable(nets.FCEncoder(3, SHAPE), nets.FCDecoder(SHAPE))
        assert isinstance(model, frames.GVAE) and model.beta == 3.0
    finally:
        gin.clear_config()
