import pytest


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Every test gets its own kvae cache directory, never the user's ~/.cache/kvae."""
    monkeypatch.setenv("KVAE_CACHE", str(tmp_path / "cache"))
