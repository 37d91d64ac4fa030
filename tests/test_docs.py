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


def _home(entry):
    """Where a public name is documented: its own subpackage, or for a name
    another subpackage re-exports, the one that defines it (documented once)."""
    sub, name = entry.split(".")
    obj = getattr(importlib.import_module(f"emosk.{sub}"), name)
    defined = getattr(obj, "__module__", "")
    parts = defined.split(".")
    return f"{parts[1]}.{name}" if len(parts) > 2 and parts[1] in SUBPACKAGES else entry


@pytest.mark.parametrize("sub", SUBPACKAGES)
def test_every_public_name_is_in_api_reference(sub):
    missing = sorted(e for e in _public(sub)
                     if e not in _documented() and _home(e) not in _documented())
    assert not missing, f"missing from docs/api.rst: {missing}"


def test_api_reference_names_exist():
    for entry in _documented():
        sub, name = entry.split(".")
        assert hasattr(importlib.import_module(f"emosk.{sub}"), name), entry


# Docstring examples run as tests (STYLE.md: "Examples (a doctest that runs in a
# second)").  One test per module that has examples; the modules whose examples
# train a network are marked slow.
SLOW_DOCTESTS = {"emosk.nn._lstm"}
OPTIONAL = {"emosk.audio": "opensmile",  # modules whose examples need an extra
            "emosk.nn._quantize": "onnxruntime"}


def _modules_with_examples():
    import pkgutil

    import emosk

    names = []
    for info in pkgutil.walk_packages(emosk.__path__, "emosk."):
        if info.name.endswith("__main__") or info.ispkg:
            continue
        path = Path(emosk.__path__[0]).joinpath(*info.name.split(".")[1:]).with_suffix(".py")
        if path.is_file() and ">>> " in path.read_text():
            names.append(info.name)
    return sorted(names)


DOCTEST_MODULES = _modules_with_examples()


def test_doctests_are_collected():
    assert {"emosk.pooling._stat", "emosk.pretrained._predict",
            "emosk.nn._classifier"} <= set(DOCTEST_MODULES)


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.slow) if n in SLOW_DOCTESTS else n
    for n in DOCTEST_MODULES])
def test_docstring_examples(name, tmp_path, monkeypatch):
    import doctest

    import matplotlib

    matplotlib.use("Agg")
    for prefix, extra in OPTIONAL.items():
        if name.startswith(prefix):
            pytest.importorskip(extra)
    if name.startswith(("emosk.face", "emosk.pretrained", "emosk.video")):
        pytest.importorskip("dlib")
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    module = importlib.import_module(name)
    out = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS
                                   | doctest.NORMALIZE_WHITESPACE)
    for test in doctest.DocTestFinder().find(module, name):
        runner.run(test, out=out.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(out)
    assert result.attempted > 0, f"{name} has '>>> ' but no example was found"


def test_class_pages_list_inherited_methods_and_hide_test_hooks(tmp_path):
    """The autosummary class template of docs/, rendered for two classes: methods
    inherited from emosk's and scikit-learn's bases are on the page, the test
    hook get_test_params is not."""
    pytest.importorskip("numpydoc")
    build = pytest.importorskip("sphinx.cmd.build")
    templates = Path(__file__).resolve().parents[1] / "docs" / "_templates"
    (tmp_path / "conf.py").write_text(
        "extensions = ['sphinx.ext.autodoc', 'sphinx.ext.autosummary', 'numpydoc']\n"
        f"templates_path = [{str(templates)!r}]\n"
        "autosummary_generate = True\n"
        "numpydoc_show_class_members = False\n")
    (tmp_path / "index.rst").write_text(
        "API\n===\n\n.. currentmodule:: emosk\n\n.. autosummary::\n   :toctree: generated/"
        "\n\n   pooling.StatPooling\n   face.FaceAligner\n")
    status = build.build_main(["-b", "text", "-q", "-E", str(tmp_path),
                               str(tmp_path / "_build")])
    assert status == 0
    pages = tmp_path / "_build" / "generated"
    stat = (pages / "emosk.pooling.StatPooling.txt").read_text()
    for method in ("fit(", "transform(", "fit_transform(", "get_feature_names_out(",
                   "set_output(", "get_params("):
        assert method in stat, method
    aligner = (pages / "emosk.face.FaceAligner.txt").read_text()
    assert "transform_with_report(" in aligner and "set_output(" in aligner
    for page in (stat, aligner):
        assert "get_test_params" not in page and "set_transform_request" not in page


ROOT = Path(__file__).resolve().parents[1]


def _make_dry_run(*variables):
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out = subprocess.run(["make", "-n", "-B", "venv", "VENV=/nonexistent/venv", *variables],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return next(line for line in out.splitlines() if "torch==" in line)


def test_makefile_installs_torch_from_the_cpu_index():
    line = _make_dry_run()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in line
    assert '"torch==2.13.0"' in line
    assert "--extra-index-url" not in _make_dry_run("TORCH_INDEX=")
    custom = _make_dry_run("TORCH_INDEX=https://example.org/cu126", "TORCH_SPEC=torch==2.9.0")
    assert "--extra-index-url https://example.org/cu126" in custom and "2.9.0" in custom


def test_docs_build_writes_only_ignored_paths():
    """sphinx-gallery's computation-time page is not written into docs/, and every
    folder the build writes is ignored by git."""
    import runpy

    conf = runpy.run_path(str(ROOT / "docs" / "conf.py"))
    assert conf["sphinx_gallery_conf"]["write_computation_times"] is False
    ignored = (ROOT / ".gitignore").read_text().split()
    gallery = "docs/" + conf["sphinx_gallery_conf"]["gallery_dirs"] + "/"
    assert {"docs/_build/", "docs/generated/", gallery} <= set(ignored)
