"""emosk's layers and the imports between them, read from the source now
(``scripts/import_graph.py``)."""

import importlib.util
from pathlib import Path

import emosk

# the docs are built from a source checkout, where scripts/ sits beside emosk/
_script = Path(emosk.__file__).resolve().parents[1] / "scripts" / "import_graph.py"
_spec = importlib.util.spec_from_file_location("import_graph", _script)
graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(graph)
graph.draw(None, graph.imports())
