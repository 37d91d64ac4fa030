#!/usr/bin/env bash
# Prepare, on the CPU, all that a GPU run of issue #27 takes along (run from any
# folder of the checkout that the device tool sends):
#
#   scripts/gpu_prepare.sh [--dest .gpu] [--tiny] [--no-wheels] [--sfew-cache DIR]
#
# 1. The wheels the GPU image lacks, into DEST/whl: only skorch (the version of
#    this environment).  Its requirements (numpy, scikit-learn, scipy, tabulate,
#    tqdm) and emosk's others (torch, opencv-python-headless, scikit-image,
#    matplotlib, joblib) are on the image (KINDS.md's package list); PyAV, dlib and
#    openSMILE are not, and the run imports none of them.
# 2. The faces and the starting weights (benchmarks/gpu.py pack; dlib and the data
#    sets beside the checkout, $EMOSK_DATA and $EMOSK_WEIGHTS, are read here).
# 3. The sizes: what travels (tracked files, untracked files git does not ignore,
#    and DEST, which is carried) must stay under 64 MiB.
#
# DEST is ignored by git (.gitignore has /.gpu/; another DEST is added to
# .git/info/exclude), so it travels only when the device call names it in carry.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=.gpu
TINY=()
CACHE=()
WHEELS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) DEST="$2"; shift 2 ;;
    --tiny) TINY=(--tiny); shift ;;
    --no-wheels) WHEELS=; shift ;;
    --sfew-cache) CACHE=(--sfew-cache "$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
PY=${PYTHON:-python}
if [ -z "${PYTHON:-}" ] && [ -x .venv/bin/python ]; then PY=.venv/bin/python; fi
if [ -z "${EMOSK_DATA:-}" ] && [ -d ../shared/data ]; then
  export EMOSK_DATA="$(cd ../shared/data && pwd)"
fi
if [ -z "${EMOSK_WEIGHTS:-}" ] && [ -d ../shared/weights ]; then
  export EMOSK_WEIGHTS="$(cd ../shared/weights && pwd)"
fi

mkdir -p "$DEST"
case "$(cd "$DEST" && pwd)/" in
  "$PWD"/*)
    if ! git check-ignore -q "$DEST/MANIFEST.json"; then
      echo "/${DEST#./}/" >> "$(git rev-parse --git-path info/exclude)"
    fi ;;
esac

if [ -n "$WHEELS" ]; then
  mkdir -p "$DEST/whl"
  version=$("$PY" -c "import skorch; print(skorch.__version__)")
  rm -f "$DEST"/whl/skorch-*.whl
  "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform manylinux1_x86_64 -d "$DEST/whl" "skorch==$version"
fi

"$PY" benchmarks/gpu.py pack --dest "$DEST" "${TINY[@]}" "${CACHE[@]}"

tree=$(git ls-files -z -co --exclude-standard | xargs -0 -r du -cb 2>/dev/null | tail -n 1 | cut -f 1)
pack=$(du -sb "$DEST" | cut -f 1)
limit=$((64 * 1024 * 1024))
echo "travels: checkout $((tree / 1024)) KiB + $DEST $((pack / 1024)) KiB = $(((tree + pack) / 1024)) KiB of $((limit / 1024)) KiB"
if [ $((tree + pack)) -gt "$limit" ]; then
  echo "over the 64 MiB the device tool sends: remove untracked files, or pack less" >&2
  exit 1
fi
