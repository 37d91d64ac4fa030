"""Every public class and function is in the API reference."""

import importlib
import inspect
import re
from pathlib import Path

import pytest

SUBPACKAGES = ["audio", "datasets", "ensemble", "face", "io", "metrics", "nn", "pooling",
               "preprocessing", "pretrained", "utils", "video"]
API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"


def _documented():
    return set(re.findall(r"^\s+([a-z_]+\.[A-Za-z_0-9]+)\s*$", API.read_text(), re.M))


def _public(sub):
    module = importlib.import_module(f"emosk.{sub}")
    return [f"{sub}.{name}" for name in module.__all__
            if inspect.isclass(getattr(module, name)) or inspect.isfunction(
                getattr(module, name))]


@pytest.mark.parametrize("sub", SUBPACKAGES)
def test_every_public_name_is_in_api_reference(sub):
    missing = sorted(set(_public(sub)) - _documented())
    assert not missing, f"missing from docs/api.rst: {missing}"


def test_api_reference_names_exist():
    for entry in _documented():
        sub, name = entry.split(".")
        assert hasattr(importlib.import_module(f"emosk.{sub}"), name), entry
