"""Load an Argos package's two models (CTranslate2 + SentencePiece), or say in one line why not.

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


class PackageBroken(Exception):
    """The package's files cannot be loaded; ``str(exc)`` is the one-line reason."""


class BadComputeType(ValueError):
    """CTranslate2 refused the configured compute type (a config problem, not the package's)."""


@dataclass
class LoadedModels:
    model: Any  # ctranslate2.Translator
    sp: Any  # sentencepiece.SentencePieceProcessor


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception as one short line: its message with whitespace squashed, else its type."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def missing_file(package_dir: Path) -> str | None:
    """The reason a package cannot load that shows without loading it (a file is missing)."""
    if not (package_dir / MODEL_BIN).is_file():
        return f"{MODEL_BIN}: missing"
    if not (package_dir / TOKENIZER).is_file():
        extra = " (packages with bpe.model are not supported)" \
            if (package_dir / "bpe.model").exists() else ""
        return f"{TOKENIZER}: missing{extra}"
    return None


def load(package_dir: Path, params: dict[str, Any] | None = None, *,
         target_prefix: str = "", trial: bool = True) -> LoadedModels:
    """Load both models; ``trial`` (the default) also translates one token, which exercises
    the decoder: a vocabulary that does not match the weights loads fine and fails only
    when translating, which must not happen in the middle of every ingest and digest.

    Raises PackageBroken with a reason naming the file, or BadComputeType.
    """
    import ctranslate2
    import sentencepiece as spm

    def reason(exc: Exception) -> str:  # paths relative to the package (it may be a temp dir)
        return one_line(exc).replace(f"{package_dir}{os.sep}", "")

    missing = missing_file(package_dir)
    if missing:
        raise PackageBroken(missing)
    try:
        sp = spm.SentencePieceProcessor(model_file=str(package_dir / TOKENIZER))
        if sp.get_piece_size() <= 0:
            raise ValueError("empty vocabulary")
    except Exception as exc:  # the library raises RuntimeError, OSError, ValueError...
        raise PackageBroken(f"{TOKENIZER}: {reason(exc)}") from exc
    params = dict(params or {"device": "cpu"})
    try:
        model = ctranslate2.Translator(str(package_dir / "model"), **params)
    except Exception as exc:  # RuntimeError mostly; UnicodeDecodeError for some damage
        if isinstance(exc, ValueError) and "compute type" in str(exc).lower():
            raise BadComputeType(one_line(exc)) from exc
        text = reason(exc)
        where = "model/" if "vocabulary" in text or "json" in text.lower() else MODEL_BIN
        raise PackageBroken(f"{where}: {text}") from exc
    if trial:
        try:
            tokens = sp.encode(["a"], out_type=str)
            prefix = [[target_prefix]] if target_prefix else None
            model.translate_batch(tokens, target_prefix=prefix, beam_size=1,
                                  max_decoding_length=4)
        except Exception as exc:
            raise PackageBroken(f"a trial translation failed: {one_line(exc)}") from exc
    return LoadedModels(model, sp)
