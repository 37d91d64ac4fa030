#!/usr/bin/env bash
# The one command of a GPU run (issue #27), on the GPU machine, from the
# checkout's root, after scripts/gpu_prepare.sh made the pack (.gpu, carried):
#
#   bash scripts/gpu_run.sh --out "$OUT" [--pack .gpu] [--budget-s 480] [--tiny]
#                           [other options of: benchmarks/gpu.py run]
#
# Paths are relative to the checkout's root.  It installs the carried wheels
# and emosk (--no-deps) into a folder of its own, then runs benchmarks/gpu.py
# run with the same options; everything printed also goes to OUT/log.txt,
# which comes back with the tables and weights.  Without wheels in PACK/whl (a
# CPU check, --tiny), nothing is installed and emosk runs from this checkout
# with this Python's packages.
set -uo pipefail
cd "$(dirname "$0")/.."
PACK=.gpu
OUT=
args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --pack) PACK="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) shift ;;
  esac
done
if [ -z "$OUT" ]; then echo "--out FOLDER is required" >&2; exit 2; fi
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
mkdir -p "$OUT"

main() {
  echo "gpu_run.sh $(date -u '+%Y-%m-%d %H:%M:%S') UTC: ${args[*]}"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null \
    || true
  shopt -s nullglob
  local wheels=("$PACK"/whl/*.whl)
  if [ ${#wheels[@]} -gt 0 ]; then
    local site
    site=$(mktemp -d /tmp/emosk-site.XXXXXX)
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target "$site" "${wheels[@]}" || { echo "the wheels did not install"; return 1; }
    if ! "$PY" -m pip install -q --no-index --no-deps --no-build-isolation --no-compile \
        --no-cache-dir --target "$site" .; then
      echo "emosk did not install (--no-deps); it runs from this checkout instead"
      export PYTHONPATH="$PWD"
    fi
    export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
  else
    echo "no wheels in $PACK/whl: emosk runs from this checkout with this Python's packages"
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
  fi
  "$PY" -c "import emosk, skorch, sklearn, torch; print('emosk', emosk.__file__, '| skorch', skorch.__version__, '| scikit-learn', sklearn.__version__, '| torch', torch.__version__, '| CUDA', torch.cuda.is_available())" \
    || { echo "emosk or skorch does not import"; return 1; }
  "$PY" benchmarks/gpu.py run "${args[@]}"
}

# everything printed also goes to OUT/log.txt, which comes back even from a cut run
main 2>&1 | tee -a "$OUT/log.txt"
exit "${PIPESTATUS[0]}"
