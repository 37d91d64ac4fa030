"""Sphinx configuration of emosk's documentation.

Set ``EMOSK_DOCS_OFFLINE=1`` to build without network (no intersphinx links);
``make docs`` builds with warnings treated as errors.  Class pages list inherited
methods and hide emosk's test hooks (``docs/_templates/autosummary/class.rst``).
"""

import os

import emosk

project = "emosk"
author = "emosk developers"
copyright = "2026, emosk developers"
release = emosk.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "matplotlib.sphinxext.plot_directive",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"(__init__|_clips)\.py",
    "download_all_examples": False,
    "reset_modules": ("matplotlib",),
    # no docs/sg_execution_times.rst: a build leaves no file outside docs/_build,
    # docs/generated and docs/auto_examples (all ignored by git)
    "write_computation_times": False,
}
autosummary_generate = True
templates_path = ["_templates"]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
exclude_patterns = ["_build", "generated/*.examples", "_audio_results.rst"]
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable/", None),
    "sklearn": ("https://scikit-learn.org/stable/", None),
    "torch": ("https://pytorch.org/docs/stable/", None),
    "skorch": ("https://skorch.readthedocs.io/en/stable/", None),
    "skimage": ("https://scikit-image.org/docs/stable/", None),
}
if os.environ.get("EMOSK_DOCS_OFFLINE"):
    intersphinx_mapping = {}
    # references into other projects' docs (inherited scikit-learn docstrings)
    # resolve only through their inventories
    suppress_warnings = ["ref.ref"]

html_theme = "pydata_sphinx_theme"
html_theme_options = {"navigation_with_keys": False}

# the plot directive (pictures of the data contract): PNG only, no source links
plot_formats = [("png", 110)]
plot_html_show_source_link = False
plot_html_show_formats = False
plot_include_source = False
