"""The rules of emosk's layout, held against the imports read from the source
(``scripts/import_graph.py``; ``docs/architecture.rst`` explains them)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("import_graph",
                                               ROOT / "scripts" / "import_graph.py")
graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(graph)


@pytest.fixture(scope="module")
def found():
    return graph.imports()


def _where(imports):
    return [f"{i.module}:{i.line} imports {i.target} {i.names}" for i in imports]


def test_every_subpackage_is_in_a_layer(found):
    units = {p.name for p in (ROOT / "emosk").iterdir()
             if p.is_dir() and (p / "__init__.py").is_file()}
    layered = {u for layer in graph.LAYERS for u in layer}
    assert units | {"cli"} == layered


def test_no_subpackage_reaches_into_another_ones_private_modules(found):
    assert not _where(graph.private_crossings(found))


def test_imports_only_go_down_the_layers(found):
    # so there is no cycle between subpackages either
    assert not _where(graph.upward_imports(found))


def test_the_reader_sees_relative_private_and_function_level_imports():
    # the checks above are only as good as the reader: a module with each kind
    # of import it must see
    src = ROOT / "emosk" / "video" / "_featurizer.py"
    mine = [i for i in graph.imports() if i.module == "emosk.video._featurizer"]
    assert {i.target_unit for i in mine} >= {"face", "io", "nn", "utils"}
    fake = graph.Import("emosk.video._x", "emosk.face._aligner", ("_FaceStep",), 1, True)
    assert graph.private_crossings([fake]) == [fake]
    up = graph.Import("emosk.io._x", "emosk.pretrained", ("load",), 1, False)
    assert graph.upward_imports([up]) == [up]
    assert src.is_file()


def test_the_script_draws_the_picture(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "layers.png"
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "import_graph.py"),
                          "--draw", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "video" in run.stdout and out.stat().st_size > 10_000
