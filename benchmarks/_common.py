"""Shared helpers of the benchmark scripts: machine description and result tables."""

import os
import platform
import sys
from pathlib import Path

import numpy
import sklearn

RESULTS = Path(__file__).resolve().parent / "results"
#: The default face model before the 80 px one (64 px crops), timed beside it
#: by the speed benchmarks.
PREVIOUS_DEFAULT = "mobilefacenet_fer_nhfi_soup3"


def machine():
    """One line describing this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
            f"numpy {numpy.__version__}, scikit-learn {sklearn.__version__}")


def markdown_table(header, rows):
    """A Markdown table from a header and rows of cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_result(name, title, body):
    """Print a result and write it to ``benchmarks/results/<name>.md``."""
    command = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    text = (f"# {title}\n\n{body}\n\nMachine: {machine()}\n\n"
            f"Command: `{command}` (data from `$EMOSK_DATA`)\n")
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text)


def interval_text(d):
    """A :func:`emosk.metrics.paired_bootstrap` result as ``+0.012 [-0.004, +0.029]``."""
    return f"{d['difference']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]"
