"""Shared fixtures. Offline by construction: env vars set before any vendor import,
and pytest-socket (see pyproject addopts) refuses every non-loopback connection."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from assistant.config import OFFLINE_ENV

for k, v in OFFLINE_ENV.items():
    os.environ[k] = v
# Hermetic settings: a developer's exported ASSISTANT_* (e.g. a Chroma URL) must not leak into tests.
for k in [k for k in os.environ if k.startswith("ASSISTANT_")]:
    del os.environ[k]

import pytest  # noqa: E402

from assistant.config import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture
def tmp_corpus(tmp_path) -> Path:
    """A writable copy of the default corpus."""
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


@pytest.fixture
def hash_settings(tmp_path, tmp_corpus) -> Settings:
    """Settings with the deterministic fake embedder and a private index folder."""
    return Settings(corpus_dir=tmp_corpus, index_dir=tmp_path / "index", embedder="hash")


@pytest.fixture(scope="session")
def real_index(tmp_path_factory) -> Settings:
    """The default corpus indexed once with the real embedding model, shared by integration tests."""
    from assistant.api import Assistant

    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("real") / "index")
    Assistant(settings).index(progress=False)
    return settings


SIZE_MARKERS = ("unit", "integration", "slow")


def pytest_collection_modifyitems(config, items):
    """Every test says what it costs: ``unit`` (no models, no servers), ``integration`` or ``slow``."""
    unmarked = [item.nodeid for item in items if not any(item.get_closest_marker(m) for m in SIZE_MARKERS)]
    if unmarked:
        raise pytest.UsageError("tests without a unit/integration/slow marker: " + ", ".join(unmarked[:10]))
