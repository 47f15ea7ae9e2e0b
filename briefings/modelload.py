"""Load an Argos package (CTranslate2 model + the package's tokenizer), or say in one line why not.

Tokenisation goes through argostranslate's own installed-package object
(``argostranslate.package.Package``): SentencePiece (``sentencepiece.model``) or BPE
(``bpe.model`` with sacremoses), so every package argostranslate can run works here.
Used twice: by the installer, which loads a package once before it puts it in place,
and by the translate stage, which loads the installed package. Both need the same
answer to "can this package be used?", worded for where it is asked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL_BIN = "model/model.bin"
TOKENIZER = "sentencepiece.model"
BPE_CODES = "bpe.model"


class PackageBroken(Exception):
    """The package's files cannot be loaded; ``str(exc)`` is the one-line reason."""


class BadComputeType(ValueError):
    """CTranslate2 refused the configured compute type (a config problem, not the package's)."""


class DeviceFailed(Exception):
    """The model could not start on the requested device (e.g. CUDA without cuBLAS)."""


@dataclass
class LoadedModels:
    model: Any  # ctranslate2.Translator
    tokenizer: Any  # argostranslate.tokenizer.Tokenizer: encode(str) -> pieces, decode(pieces)


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception as one short line: its message with whitespace squashed, else its type."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tokenizer_file(package_dir: Path) -> str | None:
    """The tokenizer file argostranslate would use: sentencepiece.model, else bpe.model."""
    for name in (TOKENIZER, BPE_CODES):
        if (package_dir / name).is_file():
            return name
    return None


def missing_file(package_dir: Path) -> str | None:
    """The reason a package cannot load that shows without loading it (a file is missing)."""
    if not (package_dir / MODEL_BIN).is_file():
        return f"{MODEL_BIN}: missing"
    if tokenizer_file(package_dir) is None:
        return f"{TOKENIZER}: missing"  # (nor bpe.model)
    return None


def _check_bpe_codes(path: Path) -> None:
    """argostranslate's BPE reader exits the process (sys.exit) on a bad line: check first."""
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if n == 1 and line.startswith("#version:"):
                continue
            if len(line.strip("\r\n ").split(" ")) != 2:
                raise ValueError(f"line {n} is not two subword units: {line[:40]!r}")


def load_tokenizer(package_dir: Path) -> Any:
    """The package's tokenizer through argostranslate, loaded now (its loading is lazy)."""
    from argostranslate.package import Package
    from argostranslate.tokenizer import BPETokenizer, SentencePieceTokenizer

    name = tokenizer_file(package_dir) or TOKENIZER
    try:
        tokenizer = getattr(Package(package_dir), "tokenizer", None)
        if tokenizer is None:
            raise ValueError("missing")
        if isinstance(tokenizer, SentencePieceTokenizer):
            if tokenizer.lazy_processor().get_piece_size() <= 0:
                raise ValueError("empty vocabulary")
        elif isinstance(tokenizer, BPETokenizer):
            _check_bpe_codes(package_dir / BPE_CODES)
            tokenizer.lazy_load()
        if not tokenizer.encode("a"):
            raise ValueError("encodes text as nothing")
    except (Exception, SystemExit) as exc:  # RuntimeError, OSError, ValueError, JSON errors...
        raise PackageBroken(f"{name}: {_relative(exc, package_dir)}") from exc
    return tokenizer


def _relative(exc: BaseException, package_dir: Path) -> str:
    """The reason with paths relative to the package (it may be a temp dir)."""
    return one_line(exc).replace(f"{package_dir}{os.sep}", "")


def load(package_dir: Path, params: dict[str, Any] | None = None, *,
         target_prefix: str = "", trial: bool = True) -> LoadedModels:
    """Load the model and the tokenizer; ``trial`` (the default) also translates one token,
    which exercises the decoder: a vocabulary that does not match the weights loads fine and
    fails only when translating, which must not happen in the middle of every ingest and
    digest (and a GPU's libraries load at the first translation).

    Raises PackageBroken with a reason naming the file, BadComputeType, or DeviceFailed
    when ``params`` ask for a device other than the CPU and it does not start.
    """
    import ctranslate2  # the native runtime: loaded by the commands that translate, only

    missing = missing_file(package_dir)
    if missing:
        raise PackageBroken(missing)
    tokenizer = load_tokenizer(package_dir)
    params = dict(params or {"device": "cpu"})
    on_cpu = params.get("device", "cpu") == "cpu"
    try:
        model = ctranslate2.Translator(str(package_dir / "model"), **params)
    except Exception as exc:  # RuntimeError mostly; UnicodeDecodeError for some damage
        if isinstance(exc, ValueError) and "compute type" in str(exc).lower():
            raise BadComputeType(one_line(exc)) from exc
        if not on_cpu:
            raise DeviceFailed(one_line(exc)) from exc
        text = _relative(exc, package_dir)
        where = "model/" if "vocabulary" in text or "json" in text.lower() else MODEL_BIN
        raise PackageBroken(f"{where}: {text}") from exc
    if trial:
        try:
            prefix = [[target_prefix]] if target_prefix else None
            model.translate_batch([tokenizer.encode("a")], target_prefix=prefix, beam_size=1,
                                  max_decoding_length=4)
        except Exception as exc:
            if not on_cpu:
                raise DeviceFailed(one_line(exc)) from exc
            raise PackageBroken(f"a trial translation failed: {one_line(exc)}") from exc
    return LoadedModels(model, tokenizer)
