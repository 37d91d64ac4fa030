"""Every class of bad input against every entry point, and what emosk does with it.

The cases are the tests of ``tests/test_bad_inputs.py`` (its docstring says
what *handled* means); this runs them with pytest, collects the row each test
records, and writes ``benchmarks/results/bad_inputs.md``::

    python benchmarks/bad_inputs.py
"""

import sys
import time
from pathlib import Path

import pytest
from _common import markdown_table, write_result

TESTS = Path(__file__).resolve().parents[1] / "tests" / "test_bad_inputs.py"
HEADER = ["entry point", "bad input", "given", "expected", "what happened", "handled"]
EXPECTED = (
    "Expected: *error* — a specific exception (ValueError, TypeError or OSError "
    "and their subclasses, e.g. MediaReadError, NoAudioError, NoFaceError) whose "
    "message names the input; *fallback* — the documented behaviour (no face: an "
    "empty list, NaN clip, whole frame or a `no face` row; no sound: a `no audio` "
    "row); *usage error (2)* — exit status 2, one line on stderr naming the "
    "argument, nothing created; *failed (1)* — exit status 1, the input listed as "
    "an error row and on stderr, no traceback.")


class RowCollector:
    """A pytest plugin keeping the ``bad_input`` row of every test that ran."""

    def __init__(self):
        self.rows = []

    def pytest_runtest_logreport(self, report):
        row = dict(report.user_properties).get("bad_input")
        if report.when == "call" and row is not None:
            self.rows.append(row)


def summary(rows, seconds):
    handled = sum(ok for *_, ok in rows)
    kinds = sorted({r[1] for r in rows})
    entries = list(dict.fromkeys(r[0] for r in rows))
    return (f"**{len(rows)} cases tried, {handled} handled** (a clear error naming the "
            f"file, shape, dtype, option or value, or a documented fallback), over "
            f"{len(entries)} entry points ({', '.join(entries)}) and {len(kinds)} "
            f"classes of bad input ({', '.join(kinds)}); {seconds:.0f} s.")


def main():
    collector = RowCollector()
    start = time.time()
    status = pytest.main([str(TESTS), "-q", "-p", "no:cacheprovider"],
                         plugins=[collector])
    rows = collector.rows
    table = [(*row[:5], "yes" if row[5] else "**NO**") for row in rows]
    body = "\n\n".join([summary(rows, time.time() - start),
                        markdown_table(HEADER, table), EXPECTED])
    write_result("bad_inputs", "Bad input against every entry point", body)
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
