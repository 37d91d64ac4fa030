"""Build emosk's sdist and wheel, install the wheel as a user would, run the demo.

    python scripts/check_wheel.py                 # or: make check-wheel

In a new folder (``--workdir``; by default a temporary one, removed when all
went well) it:

1. creates a fresh virtual environment (``python -m venv``: none of the
   system's or the developer's packages) and installs ``build`` into it;
2. builds the sdist and, from the sdist, the wheel (``python -m build``),
   failing on any setuptools warning or deprecation in the build's output;
3. checks that both hold every file of the package in the checkout (the
   shipped weights and model cards among them) and that the wheel's metadata
   has the SPDX ``License-Expression`` and no licence classifier;
4. installs torch as the Makefile does (``--torch-spec``, with
   ``--torch-index`` as an extra index), then the wheel with its extras;
5. outside the checkout, with no ``PYTHONPATH``, ``EMOSK_DATA`` or
   ``EMOSK_WEIGHTS``: checks that ``emosk`` is imported from the new
   environment, loads both shipped models (their checksums are checked) and
   runs ``emosk demo``.

It prints the time of each step.  pip keeps its own configuration (indexes,
``find-links``, constraints): where a local CPU build of torch is in pip's
``find-links`` and the torch index cannot be reached, that build is installed
(pip warns about the index and prefers ``2.13.0+cpu`` to PyPI's ``2.13.0``).
Exit status 0 when every check passed, 1 otherwise.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_FILES = ("astronaut.png", "astronaut_faces.png", "astronaut_video.mp4",
              "astronaut_video_timeline.png")


class CheckFailed(Exception):
    """One of the checks did not pass; the message says which and why."""


def _run(cmd, *, log, cwd=None, env=None):
    """Run ``cmd``, its output appended to ``log``; return the output."""
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with open(log, "a") as f:
        f.write(f"$ {' '.join(map(str, cmd))}\n{proc.stdout}\n")
    if proc.returncode != 0:
        raise CheckFailed(f"{' '.join(map(str, cmd))} exited with {proc.returncode}:\n"
                          f"{proc.stdout[-3000:]}")
    return proc.stdout


def build_warnings(output):
    """The warnings in a build's output: the title of each of setuptools' warning
    banners (a line, then ``!!``), and every line that speaks of a deprecation."""
    lines = [line.strip() for line in output.splitlines()]
    titles = [lines[i - 1] for i, line in enumerate(lines)
              if line == "!!" and i and lines[i - 1] and lines[i - 1][0] not in "*!"]
    deprecations = [line for line in lines if re.search(r"(?i)deprecat", line)]
    return list(dict.fromkeys(titles + deprecations))


def package_files(root=ROOT):
    """The files of the package in the checkout, as paths relative to ``root``:
    those git tracks or would (``git ls-files -co --exclude-standard``); without
    git, the files under ``emosk/`` less caches."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "emosk"],
            cwd=root, text=True, capture_output=True, check=True).stdout
        files = out.split()
    except (OSError, subprocess.CalledProcessError):
        files = [str(p.relative_to(root)) for p in (root / "emosk").rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts]
    return sorted(f.replace(os.sep, "/") for f in files)


def check_archives(sdist, wheel, expected):
    """Both archives hold ``expected``; the wheel's metadata names the licence
    by its SPDX expression only.  Returns the number of files checked."""
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        in_sdist = {n[len(top) + 1:] for n in tar.getnames()}
    with zipfile.ZipFile(wheel) as whl:
        in_wheel = set(whl.namelist())
        meta_name = next(n for n in in_wheel if n.endswith(".dist-info/METADATA"))
        metadata = whl.read(meta_name).decode()
    for what, names in (("sdist", in_sdist), ("wheel", in_wheel)):
        missing = [f for f in expected if f not in names]
        if missing:
            raise CheckFailed(f"The {what} lacks {len(missing)} file(s) of the "
                              f"package: {missing[:10]}")
    for needed in ("LICENSE", "README.md", "setup.cfg", "pyproject.toml", "PKG-INFO"):
        if needed not in in_sdist:
            raise CheckFailed(f"The sdist lacks {needed}.")
    if "License-Expression: BSD-3-Clause" not in metadata:
        raise CheckFailed(f"{meta_name} has no 'License-Expression: BSD-3-Clause'.")
    if re.search(r"^Classifier: License ::", metadata, re.M):
        raise CheckFailed(f"{meta_name} still has a licence classifier.")
    return len(expected)


def _clean_env():
    """The environment of a user's shell: none of the checkout's or the test
    suite's settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "EMOSK_DATA",
                        "EMOSK_WEIGHTS", "EMOSK_CACHE")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=None,
                        help="folder for the environment, the archives and the demo "
                             "(default: a temporary folder, removed on success)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter of the new environment (default: this one)")
    parser.add_argument("--torch-spec", default="torch==2.13.0")
    parser.add_argument("--torch-index", default="https://download.pytorch.org/whl/cpu",
                        help="extra index for torch; empty for pip's own indexes only")
    parser.add_argument("--extras", default="face,audio",
                        help="extras installed with the wheel (default: face,audio)")
    args = parser.parse_args(argv)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="emosk-wheel-"))
    work = work.resolve()
    if work.is_relative_to(ROOT):
        parser.error(f"--workdir {work} is inside the checkout; give a folder outside "
                     "it, so that nothing is imported from the checkout.")
    work.mkdir(parents=True, exist_ok=True)
    log, env = work / "check_wheel.log", _clean_env()
    env_dir, dist = work / "venv", work / "dist"
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    times, start = [], time.perf_counter()

    def step(name, func):
        t0 = time.perf_counter()
        print(f"[check_wheel] {name} ...", flush=True)
        result = func()
        times.append((name, time.perf_counter() - t0))
        print(f"[check_wheel] {name}: {times[-1][1]:.0f} s", flush=True)
        return result

    try:
        if args.python == sys.executable:
            step("fresh virtual environment",
                 lambda: venv.EnvBuilder(with_pip=True, clear=True).create(env_dir))
        else:
            step("fresh virtual environment",
                 lambda: _run([args.python, "-m", "venv", "--clear", env_dir], log=log))
        pip = [python, "-m", "pip"]
        step("pip and build", lambda: _run([*pip, "install", "-q", "--upgrade", "pip",
                                             "build"], log=log, env=env))

        def build():
            shutil.rmtree(dist, ignore_errors=True)
            egg_info = ROOT / "emosk.egg-info"  # the sdist's metadata, written there
            had_egg_info = egg_info.exists()
            try:
                out = _run([python, "-m", "build", "--outdir", dist, ROOT], log=log,
                           env=env)
            finally:
                if not had_egg_info:
                    shutil.rmtree(egg_info, ignore_errors=True)
            warned = build_warnings(out)
            if warned:
                raise CheckFailed("The build warns:\n" + "\n".join(warned))
            return next(dist.glob("emosk-*.tar.gz")), next(dist.glob("emosk-*.whl"))

        sdist, wheel = step("build the sdist, then the wheel from it", build)
        n = step("archive contents and metadata",
                 lambda: check_archives(sdist, wheel, package_files()))
        print(f"[check_wheel] {sdist.name} and {wheel.name} hold the package's "
              f"{n} files")

        index = ["--extra-index-url", args.torch_index] if args.torch_index else []
        step(f"install {args.torch_spec}",
             lambda: _run([*pip, "install", "-q", *index, args.torch_spec], log=log,
                          env=env))
        extras = f"[{args.extras}]" if args.extras else ""
        step(f"install {wheel.name}{extras}",
             lambda: _run([*pip, "install", "-q", f"{wheel}{extras}"], log=log,
                          env=env))

        def use():
            where = _run([python, "-c", "import emosk; print(emosk.__file__)"], log=log,
                         cwd=work, env=env).strip().splitlines()[-1]
            if not Path(where).resolve().is_relative_to(env_dir):
                raise CheckFailed(f"emosk was imported from {where}, not the new "
                                  "environment.")
            # the shipped int8 graph runs where the onnx extra is installed
            int8 = "load(precision='int8'); " if "onnx" in args.extras.split(",") else ""
            _run([python, "-c", "from emosk.pretrained import load; load('fer2013'); "
                  f"{int8}load('ravdess_audio')"], log=log, cwd=work, env=env)
            out = _run([bindir / "emosk", "demo", "--out", work / "demo"], log=log,
                       cwd=work, env=env)
            missing = [f for f in DEMO_FILES if not (work / "demo" / f).is_file()]
            if missing:
                raise CheckFailed(f"emosk demo did not write {missing}.")
            return out

        print(step("the installed emosk: import, shipped models, emosk demo", use))
    except CheckFailed as err:
        print(f"[check_wheel] FAILED: {err}\n"
              f"[check_wheel] log and files kept in {work}", file=sys.stderr)
        return 1
    total = time.perf_counter() - start
    print("[check_wheel] passed in {:.0f} s ({})".format(
        total, ", ".join(f"{name} {t:.0f} s" for name, t in times)))
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"[check_wheel] environment, archives, log and demo in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
