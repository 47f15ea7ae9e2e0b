"""The benchmark model: Argos 1.0 size, random weights, int8, built once and cached.

Built with the same builder as the tests (briefings.modelkit), its SentencePiece
model (32,000 pieces) trained on SaudiNewsNet text. Cached outside the repository
in $BRIEFINGS_BENCH_CACHE (default ~/.cache/briefings-bench).
"""

from __future__ import annotations

import os
from pathlib import Path

from briefings.modelkit import ModelShape, build_package

from . import data

CACHE = Path(os.environ.get("BRIEFINGS_BENCH_CACHE", Path.home() / ".cache" / "briefings-bench"))
SHAPE = ModelShape.argos_1_0()


def package(cache: Path = CACHE) -> Path:
    out = cache / "ar_en-argos1.0-random-int8.argosmodel"
    if not out.exists():
        print(f"building the benchmark model (once) into {out} ...", flush=True)
        tmp = out.with_suffix(".partial")
        build_package(tmp, data.texts(150_000), SHAPE, seed=1)
        tmp.rename(out)
    return out


def packages_dir(cache: Path = CACHE) -> Path:
    return cache / "packages"


def installed_dir(cache: Path = CACHE) -> Path:
    """A packages directory holding the benchmark model, installed like any package."""
    from briefings.packages import install_file, installed

    directory = packages_dir(cache)
    if not installed(directory):
        install_file(package(cache), directory)
    return directory
