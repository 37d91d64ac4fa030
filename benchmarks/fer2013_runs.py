"""Every FER2013 training run in one table, read from the result files that
``benchmarks/fer2013.py`` wrote (``results/fer2013_*.md``).

Each result file holds one run (two rows when it was scored against the
original labels and the FER+ majority); older files have fewer columns, and
the missing cells are filled from what the command says or left as "-".
Training images/s counts the training images of all epochs over the training
minutes (which include the per-epoch PublicTest pass that picks the best
epoch), on the 2-core CPU of each run.

    python benchmarks/fer2013_runs.py
"""

import re

from _common import RESULTS, markdown_table, write_result

OWN_SIDE = {"compact": 48, "dlib_resnet": 150, "alexnet": 224, "vgg_cnn_m_2048": 224}


def read_table(text):
    """The first Markdown table of ``text`` as a list of dicts (header -> cell)."""
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    if len(lines) < 3:
        return []
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = []
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == len(header):
            rows.append(dict(zip(header, cells)))
    return rows


def commands(text):
    """The ``python fer2013.py ...`` commands named on the file's Command line
    (a two-stage run names one per stage, in the order of its table rows)."""
    line = next((ln for ln in text.splitlines() if ln.startswith("Command")), "")
    return re.findall(r"`(python [^`]*fer2013\.py[^`]*)`", line)


def runs(path):
    """One summary row per run in a result file."""
    text = path.read_text()
    table = read_table(text)
    cmds = commands(text)
    out, by_run = [], {}
    for row in table:
        key = (row.get("backbone"), row.get("initial weights"), row.get("epochs"))
        by_run.setdefault(key, []).append(row)
    for i, ((backbone, weights, epochs), rows) in enumerate(by_run.items()):
        original = next((r for r in rows if r.get("evaluated against", "FER2013 labels")
                         == "FER2013 labels"), rows[0])
        plus = next((r for r in rows if r.get("evaluated against")
                     == "FER+ majority labels"), None)
        net = backbone.split(" ")[0]
        side = original.get("input side") or str(OWN_SIDE.get(net, "-"))
        images, minutes = int(original["training images"]), float(original["training minutes"])
        rate = images * int(epochs) / (minutes * 60)
        out.append([
            backbone, weights, original.get("training labels", "fer2013"), side,
            f"{images:,}", epochs, original["PublicTest accuracy"], original["UAR"],
            plus["PublicTest accuracy"] if plus else "-", plus["UAR"] if plus else "-",
            f"{rate:.0f}", f"{minutes / 60:.2f}", path.name,
            f"`{cmds[i]}`" if len(cmds) == len(by_run) else
            "; then ".join(f"`{c}`" for c in cmds) or "-"])
    return out


def main():
    rows = []
    for path in sorted(RESULTS.glob("fer2013_*.md")):
        if path.stem == "fer2013_runs":
            continue
        rows += runs(path)
    body = (
        "All on a 2-core CPU, PublicTest picking the best epoch (so its figures are "
        "optimistic). Accuracy and UAR against the original FER2013 labels (3,589 "
        "faces) and against the FER+ majority (the 3,372 faces whose majority is one "
        "of the seven classes; '-' where the run predates that column). Training "
        "images/s: training images of all epochs over the training minutes, which "
        "include each epoch's PublicTest pass; hours are wall hours on the 2 cores.\n\n"
        + markdown_table(["network", "initial weights", "training labels", "input side",
                          "training images", "epochs", "PublicTest accuracy", "UAR",
                          "accuracy, FER+ majority", "UAR, FER+ majority",
                          "training images/s", "hours", "result file", "command"], rows))
    write_result("fer2013_runs", "FER2013: every training run", body)


if __name__ == "__main__":
    main()
