"""Shared fixtures: DummyLM factories, the embedded model (loaded once per session) and a local Ray."""

from __future__ import annotations

import os
from pathlib import Path

import dspy
import pytest
from dspy.utils import DummyLM
from dummies import make_dummy


@pytest.fixture
def dummy_lm() -> DummyLM:
    """A fresh DummyLM configured as the ambient LM."""
    lm = make_dummy()
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        yield lm


@pytest.fixture(scope="session")
def embedded_lm() -> dspy.LM:
    """The real embedded SmolLM2 GGUF through llama-cpp-python (no network)."""
    from core.config import ModelsConfig
    from core.lm.roles import build_lm

    models = ModelsConfig()
    spec = models.default.model_copy(update={"max_tokens": 384, "temperature": 0.0})
    return build_lm(spec, models)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Give every test a request cache of its own, out of the user's home (a test's calls are never
    served from another test's answers)."""
    monkeypatch.setenv("AGENTINSTRUCT_CACHE", str(tmp_path_factory.mktemp("agentinstruct-cache")))
    yield


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray instance for one test module (2 CPUs, no dashboard). Workers import this checkout's
    packages; API keys reach them through the backends, never the environment."""
    ray = pytest.importorskip("ray", reason="Ray is optional: pip install 'agentinstruct[ray]'")
    root = Path(__file__).resolve().parents[1]
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join([str(root), str(root / "tests")])}})
    yield ray
    ray.shutdown()
