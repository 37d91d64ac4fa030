"""The registry of named weights: one source below ``emosk.nn``, no import cycle."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from emosk.nn import _registry


def _loaded_after(statement):
    """The emosk, torch and heavy modules loaded by ``statement`` in a fresh interpreter."""
    code = (f"import sys\n{statement}\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('emosk', 'torch', 'dlib', 'sklearn', 'cv2'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return set(out.split())


def test_nn_does_not_import_pretrained():
    loaded = _loaded_after("import emosk.nn; emosk.nn.CNNClassifier; emosk.nn.build_backbone")
    assert "emosk.nn._classifier" in loaded
    assert "emosk.pretrained" not in loaded


def test_registry_imports_nothing_heavy():
    loaded = _loaded_after("from emosk.nn._registry import PRETRAINED, weights_path")
    assert not loaded & {"torch", "dlib", "sklearn", "cv2"}
    assert not {m for m in loaded if m.startswith("emosk.nn.") and m != "emosk.nn._registry"}


def test_pretrained_re_exports_the_registry():
    import emosk.pretrained as pretrained

    assert pretrained.PRETRAINED is _registry.PRETRAINED
    assert pretrained.PretrainedModel is _registry.PretrainedModel
    assert pretrained.weights_path is _registry.weights_path
    assert pretrained.available_models is _registry.available_models


def test_shipped_weights_for():
    assert _registry.shipped_weights_for("compact") == "fer2013"
    assert _registry.shipped_weights_for("mobilefacenet") == _registry.DEFAULT_MODEL
    assert _registry.shipped_weights_for("alexnet") is None
    assert _registry.shipped_weights_for(None) is None  # the audio model is no backbone's


@pytest.mark.parametrize("name", sorted(_registry.PRETRAINED))
def test_checksum_script_finds_every_entry(name):
    # scripts/package_pretrained.py rewrites the sha256 with this pattern
    # (field "int8_" for an int8 graph, scripts/quantize_face_model.py)
    spec = _registry.PRETRAINED[name]
    source = Path(_registry.__file__).read_text()
    for field, filename in (("", spec.filename), ("int8_", spec.int8_filename)):
        if filename is None:
            continue
        pattern = rf'(\b{field}filename="{re.escape(filename)}",\s*{field}sha256=")[0-9a-f]*(")'
        assert len(re.findall(pattern, source)) == 1
    assert _registry.weights_path(name).parent == _registry.WEIGHTS_DIR
    if spec.int8_filename is not None:  # present, and its checksum matches
        assert _registry.int8_path(name).parent == _registry.WEIGHTS_DIR


def test_the_default_model_ships_an_int8_graph():
    assert _registry.PRETRAINED[_registry.DEFAULT_MODEL].int8_filename is not None
    with pytest.raises(ValueError, match="ships no int8 graph.*" + _registry.DEFAULT_MODEL):
        _registry.int8_path("fer2013")
