"""What the sdist and the wheel carry, read from the packaging configuration.

Building them, installing the wheel in a fresh environment and running
``emosk demo`` from it is ``make check-wheel`` (``scripts/check_wheel.py``, a
step of ``.ci/run``: minutes and downloads); these tests check its pieces fast.
"""

import configparser
import fnmatch
import importlib.util
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "emosk" / "pretrained"


def _setup_cfg():
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(ROOT / "setup.cfg")
    return cfg


def _check_wheel():
    spec = importlib.util.spec_from_file_location("check_wheel",
                                                  ROOT / "scripts" / "check_wheel.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_licence_is_an_spdx_expression_without_a_classifier():
    """setuptools deprecates licence classifiers beside an SPDX expression."""
    meta = _setup_cfg()["metadata"]
    assert meta["license_expression"] == "BSD-3-Clause"
    assert "license" not in meta
    assert "License ::" not in meta["classifiers"]


def test_package_data_carries_every_shipped_model_and_its_card():
    from emosk.pretrained import PRETRAINED

    patterns = [p.strip() for p in
                _setup_cfg()["options.package_data"]["emosk.pretrained"].split(",")]
    for name, model in PRETRAINED.items():
        for rel in (model.filename, f"model_card_{name}.rst", model.int8_filename):
            if rel is None:  # no int8 graph
                continue
            assert (PKG / rel).is_file(), f"{name}: no {rel} in emosk/pretrained"
            assert any(fnmatch.fnmatch(rel, p) for p in patterns), (name, rel)


def test_the_documentation_shows_the_cards_the_package_ships():
    from emosk.nn import DEFAULT_MODEL
    from emosk.pretrained import PRETRAINED

    pages = {"model_card.rst": "fer2013", "model_card_audio.rst": "ravdess_audio",
             "model_card_default.rst": DEFAULT_MODEL,
             "model_card_mobilefacenet.rst": "mobilefacenet_fer_nhfi",
             "model_card_mobilefacenet_aligned.rst": "mobilefacenet_fer_nhfi_aligned",
             "model_card_mobilefacenet_soup.rst": "mobilefacenet_fer_nhfi_soup",
             "model_card_mobilefacenet_soup3.rst": "mobilefacenet_fer_nhfi_soup3",
             "model_card_mobilefacenet80_kd.rst": "mobilefacenet80_fer_nhfi_kd"}
    assert set(pages.values()) == set(PRETRAINED)  # every shipped model has its page
    for page, card in pages.items():
        text = (ROOT / "docs" / page).read_text()
        assert f".. include:: ../emosk/pretrained/model_card_{card}.rst" in text
        shipped = (PKG / f"model_card_{card}.rst").read_text()
        assert "Results" in shipped and "Known limits" in shipped
        assert ".. include::" not in shipped  # one file: readable where it is


def test_numpydoc_is_in_the_test_extra():
    """test_docs renders class pages with numpydoc: `make test` must install it."""
    extra = _setup_cfg()["options.extras_require"]["test"].split()
    assert any(req.startswith("numpydoc") for req in extra)


def _archives(tmp_path, files, metadata):
    tmp_path.mkdir()
    sdist = tmp_path / "emosk-1.0.tar.gz"
    wheel = tmp_path / "emosk-1.0-py3-none-any.whl"
    with tarfile.open(sdist, "w:gz") as tar:
        for name in [*files, "LICENSE", "README.md", "setup.cfg", "pyproject.toml",
                     "PKG-INFO"]:
            path = tmp_path / "src" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x")
            tar.add(path, f"emosk-1.0/{name}")
    with zipfile.ZipFile(wheel, "w") as whl:
        for name in files:
            whl.writestr(name, "x")
        whl.writestr("emosk-1.0.dist-info/METADATA", metadata)
    return sdist, wheel


def test_check_wheel_finds_a_missing_card_and_a_licence_classifier(tmp_path):
    check = _check_wheel()
    files = ["emosk/__init__.py", "emosk/pretrained/model_card_fer2013.rst"]
    good = "Metadata-Version: 2.4\nLicense-Expression: BSD-3-Clause\n"
    assert check.check_archives(*_archives(tmp_path / "a", files, good), files) == 2
    sdist, wheel = _archives(tmp_path / "b", files[:1], good)
    with pytest.raises(check.CheckFailed, match="sdist lacks 1 file.*fer2013"):
        check.check_archives(sdist, wheel, files)
    old = good + "Classifier: License :: OSI Approved :: BSD License\n"
    with pytest.raises(check.CheckFailed, match="licence classifier"):
        check.check_archives(*_archives(tmp_path / "c", files, old), files)


def test_check_wheel_reads_setuptools_warnings():
    """What setuptools printed when the model cards were in a folder that
    setup.cfg did not list as a package, and its licence-classifier warning."""
    output = """removing build/bdist.linux-x86_64/wheel
WARNING Package 'emosk.pretrained.cards' is absent from the `packages` configuration.
!!

        ********************************************************************************
        ############################
        # Package would be ignored #
        ############################
        ********************************************************************************

!!
/usr/lib/setuptools/dist.py:765: SetuptoolsDeprecationWarning: License classifiers \
are deprecated.
!!
Successfully built emosk-0.1.0.tar.gz and emosk-0.1.0-py3-none-any.whl
"""
    warned = _check_wheel().build_warnings(output)
    assert len(warned) == 2
    assert warned[0].startswith("WARNING Package 'emosk.pretrained.cards' is absent")
    assert "License classifiers" in warned[1]
    assert _check_wheel().build_warnings("Successfully built emosk-0.1.0.tar.gz") == []


def test_package_files_are_the_checkout_s():
    files = _check_wheel().package_files()
    assert "emosk/__init__.py" in files
    assert "emosk/pretrained/compact_fer2013.pt" in files
    assert "emosk/pretrained/model_card_ravdess_audio.rst" in files
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")]
