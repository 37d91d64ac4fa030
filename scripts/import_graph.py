"""The import graph of emosk's subpackages, read from the source, and its picture.

    python scripts/import_graph.py                     # the edges and any rule broken
    python scripts/import_graph.py --draw docs/_static/architecture.png

Every ``import`` and ``from ... import`` in ``emosk/`` (at module top or
inside a function) is read with :mod:`ast`, nothing is run.  A module's
*unit* is its subpackage (``emosk.face._aligner`` -> ``face``); the modules
at the top (``emosk._cli``, ``emosk.__main__``) are the command line, unit
``cli``.  ``tests/test_architecture.py`` holds the rules against this graph:
the units form the layers of :data:`LAYERS`, every import goes to the same
unit or a lower layer, and no unit imports another's private module or name.
"""

import argparse
import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "emosk"

#: The layers, lowest first: a unit may import units of its own layer's
#: lower neighbours only (same-layer units do not import each other).
LAYERS = (
    ("io",),  # media files: images, video frames, audio
    ("utils",),  # validation, cache and digests, weights, progress
    ("datasets", "metrics", "pooling"),  # data sets, scores, clip pooling
    ("face",),  # detection, landmarks, aligned crops, tracks
    ("preprocessing",),  # features of crops (HOG) and their normalisation
    ("nn", "ensemble"),  # networks and the registry; score fusion
    ("audio",),  # openSMILE voice features and models
    ("video", "pretrained"),  # the video system; shipped models, files to answers
    ("cli",),  # emosk's command line
)

#: What each layer is for, as the picture says it.
LAYER_NOTES = {
    "io": "read media",
    "utils": "check inputs, cache, digests, weights",
    "datasets": "data sets, metrics, clip pooling",
    "preprocessing": "hand-made features, scaling",
    "face": "faces in images and videos",
    "nn": "networks; fusing scores",
    "audio": "the voice",
    "video": "whole systems and shipped models",
    "cli": "the command line: parse, call, write",
}


@dataclass(frozen=True)
class Import:
    """One import statement's target, as seen from one module."""

    module: str  # the importing module, e.g. "emosk.face._aligner"
    target: str  # the imported module, e.g. "emosk.io" or "emosk.io._video"
    names: tuple  # the names imported from it ("*" for a plain import)
    line: int
    in_function: bool

    @property
    def source_unit(self):
        return unit_of(self.module)

    @property
    def target_unit(self):
        return unit_of(self.target)


def unit_of(module):
    """The subpackage of a dotted module name, or "cli" for the top modules."""
    parts = module.split(".")
    if len(parts) == 1:
        return "emosk"
    if parts[1] in ("_cli", "__main__"):
        return "cli"
    return parts[1] if parts[1] != "__init__" else "emosk"


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def _resolve(node, module, is_package):
    """The absolute module of a ``from`` import."""
    if not node.level:
        return node.module
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


class _Visitor(ast.NodeVisitor):
    def __init__(self, module, is_package):
        self.module, self.is_package = module, is_package
        self.depth, self.found = 0, []

    def _function(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name.split(".")[0] == "emosk":
                self.found.append(Import(self.module, alias.name, ("*",), node.lineno,
                                         self.depth > 0))

    def visit_ImportFrom(self, node):
        target = _resolve(node, self.module, self.is_package)
        if target and target.split(".")[0] == "emosk":
            names = tuple(a.name for a in node.names)
            if target == "emosk":  # "from emosk import face" imports subpackages
                modules = [n for n in names if (PACKAGE / n).is_dir()
                           or (PACKAGE / f"{n}.py").is_file()]
                for name in modules:
                    self.found.append(Import(self.module, f"emosk.{name}", ("*",),
                                             node.lineno, self.depth > 0))
                names = tuple(n for n in names if n not in modules)
                if not names:
                    return
            self.found.append(Import(self.module, target, names, node.lineno,
                                     self.depth > 0))


def imports(package=PACKAGE):
    """Every import of an emosk module inside ``package``, as :class:`Import`."""
    found = []
    for path in sorted(package.rglob("*.py")):
        module, is_package = _module_name(path)
        visitor = _Visitor(module, is_package)
        visitor.visit(ast.parse(path.read_text(), str(path)))
        found += visitor.found
    return found


def unit_edges(found):
    """unit -> set of units it imports (other than itself and the top package)."""
    edges = defaultdict(set)
    for imp in found:
        src, dst = imp.source_unit, imp.target_unit
        if src != dst and dst != "emosk":
            edges[src].add(dst)
    return edges


def layer_of(unit):
    for i, layer in enumerate(LAYERS):
        if unit in layer:
            return i
    raise KeyError(f"unit {unit!r} is in no layer of LAYERS")


def private_crossings(found):
    """Imports that reach into another unit's private module or take a private name."""
    bad = []
    for imp in found:
        if imp.source_unit == imp.target_unit or imp.target_unit == "emosk":
            continue
        private_module = any(p.startswith("_") for p in imp.target.split(".")[2:])
        private_name = any(n.startswith("_") and not n.startswith("__") for n in imp.names)
        if private_module or private_name:
            bad.append(imp)
    return bad


def upward_imports(found):
    """Imports from a unit to one of its own or a higher layer."""
    return [imp for imp in found
            if imp.source_unit not in (imp.target_unit, "emosk")
            and imp.target_unit != "emosk"
            and layer_of(imp.target_unit) >= layer_of(imp.source_unit)]


def draw(path, found):
    """A picture of the layers (boxes, lowest at the bottom) and the imports
    between units (arrows), saved to ``path``; with ``path`` None, the
    figure is returned (the docs draw it so)."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    edges = unit_edges(found)
    width, row = 10.0, 1.15
    fig, ax = plt.subplots(figsize=(9.5, 0.95 * len(LAYERS) + 0.6))
    for level, layer in enumerate(LAYERS):
        y = level * row
        ax.text(-0.15, y + 0.35, LAYER_NOTES[layer[0]], ha="right", va="center",
                fontsize=8, color="0.35")
        span = width / len(layer)
        for k, unit in enumerate(layer):
            x = k * span + 0.15
            ax.add_patch(FancyBboxPatch((x, y), span - 0.3, 0.7,
                                        boxstyle="round,pad=0.02", fc="#dbe7f3",
                                        ec="#3b6a9a", lw=1.2))
            label = "emosk (command line)" if unit == "cli" else f"emosk.{unit}"
            ax.text(x + (span - 0.3) / 2, y + 0.47, label, ha="center", va="center",
                    fontsize=10 if len(layer) < 4 else 8.5, family="monospace")
            uses = sorted(edges.get(unit, ()), key=lambda u: (-layer_of(u), u))
            ax.text(x + (span - 0.3) / 2, y + 0.18,
                    "uses " + ", ".join(uses) if uses else "uses no other part",
                    ha="center", va="center", fontsize=6.5 if len(layer) > 2 else 7.5,
                    color="0.3", wrap=True)
    ax.set_xlim(-3.2, width + 0.2)
    ax.set_ylim(-0.3, len(LAYERS) * row)
    ax.axis("off")
    ax.set_title("emosk's layers: each part imports only parts below it", fontsize=11)
    fig.tight_layout()
    if path is None:
        return fig
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draw", metavar="PNG", help="save the picture of the layers")
    args = parser.parse_args(argv)
    found = imports()
    for src, dsts in sorted(unit_edges(found).items()):
        print(f"{src:12s} -> {', '.join(sorted(dsts))}")
    broken = private_crossings(found) + upward_imports(found)
    for imp in broken:
        print(f"RULE BROKEN {imp.module}:{imp.line} imports {imp.target} {imp.names}")
    if args.draw:
        draw(args.draw, found)
        print(f"wrote {args.draw}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
