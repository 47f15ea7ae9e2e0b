"""Translate stage: engines behind a small protocol, a registry by name, a sentence cache.

The expensive part is the model, so: the model is loaded once per process, pending
sentences from many articles go through it together in large batches, and every
translation is cached by the hash of its normalised source sentence (repeated wire
copy and boilerplate are translated once). Alignment is kept because the unit of
translation is the sentence: one output per input, written back to that sentence.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .config import Config, TranslateConfig
from .errors import ConfigError, ModelUnusable
from .modelload import BadComputeType, PackageBroken, load
from .packages import InstalledPackage, find, packages_dir
from .store import Store

log = logging.getLogger(__name__)


class Translator(Protocol):
    """Translates sentences one to one. ``key`` names the engine+model in the cache."""

    key: str

    def translate(self, sentences: Sequence[str]) -> list[str]: ...


TRANSLATORS: dict[str, Callable[[TranslateConfig], Translator]] = {}


def register(name: str) -> Callable[[Callable[[TranslateConfig], Translator]],
                                    Callable[[TranslateConfig], Translator]]:
    def deco(factory: Callable[[TranslateConfig], Translator]) -> Callable[[TranslateConfig],
                                                                           Translator]:
        TRANSLATORS[name] = factory
        return factory
    return deco


class ArgosTranslator:
    """The installed Argos package's CTranslate2 model and SentencePiece model, loaded once."""

    def __init__(self, cfg: TranslateConfig, pkg: InstalledPackage) -> None:
        self.cfg = cfg
        self.pkg = pkg
        self.key = pkg.key
        params: dict[str, object] = {
            "device": "cpu", "inter_threads": cfg.inter_threads, "intra_threads": cfg.intra_threads,
        }
        if cfg.compute_type != "auto":
            params["compute_type"] = cfg.compute_type
        try:
            loaded = load(pkg.path, params)
        except PackageBroken as exc:
            raise ModelUnusable(pkg.from_code, pkg.to_code, pkg.path, str(exc)) from None
        except BadComputeType as exc:
            raise ConfigError("translate.compute_type", str(exc)) from None
        self.model, self.sp = loaded.model, loaded.sp
        self.target_prefix = pkg.target_prefix
        self._lock = threading.Lock()  # one call at a time; CTranslate2 uses the threads
        self.decoded_tokens = 0  # target tokens the model produced (for benchmarks and logs)
        log.info("loaded %s from %s (%s)", self.key, pkg.path, params)

    def tokenize(self, sentences: Sequence[str]) -> list[list[str]]:
        return [list(t) for t in self.sp.encode(list(sentences), out_type=str)]

    def translate(self, sentences: Sequence[str]) -> list[str]:
        if not sentences:
            return []
        tokens = self.tokenize(sentences)
        with self._lock:
            results = self._run(tokens)
        out = []
        for result in results:
            hyp = result.hypotheses[0]
            self.decoded_tokens += len(hyp)
            if self.target_prefix and hyp and hyp[0] == self.target_prefix:
                hyp = hyp[1:]
            out.append(self.sp.decode_pieces(hyp).replace("▁", " ").strip())
        return out

    def _run(self, tokens: list[list[str]]) -> list[Any]:
        prefix = [[self.target_prefix]] * len(tokens) if self.target_prefix else None
        return list(self.model.translate_batch(
            tokens, target_prefix=prefix, max_batch_size=self.cfg.batch_size,
            batch_type=self.cfg.batch_type, beam_size=self.cfg.beam_size,
            num_hypotheses=1, length_penalty=0.2, replace_unknowns=True,
            max_decoding_length=self.cfg.max_decoding_length,
        ))


@register("argos")
def _argos(cfg: TranslateConfig) -> Translator:
    return ArgosTranslator(cfg, find(packages_dir(cfg.packages_dir), cfg.from_code, cfg.to_code))


_loaded: dict[tuple[str, TranslateConfig, str], Translator] = {}
_loaded_lock = threading.Lock()


def get_translator(cfg: Config) -> Translator:
    """The configured engine, loaded once per process.

    Raises ModelNotInstalled, or ModelUnusable when the installed package cannot load.
    """
    name = cfg.translate.engine
    if name not in TRANSLATORS:
        raise ConfigError("translate.engine", f"unknown engine {name!r} (expected one of: "
                                              f"{', '.join(sorted(TRANSLATORS))})")
    with _loaded_lock:
        key = (name, cfg.translate, str(packages_dir(cfg.translate.packages_dir)))
        if key not in _loaded:
            _loaded[key] = TRANSLATORS[name](cfg.translate)
        return _loaded[key]


def forget_loaded() -> None:
    """Drop loaded models (after installing a new package)."""
    with _loaded_lock:
        _loaded.clear()


@dataclass
class TranslateReport:
    sentences: int = 0  # sentences marked translated
    from_cache: int = 0  # of which served by the cache
    model_calls: int = 0  # distinct sentences the model translated


Progress = Callable[[int, int], None]


def translate_pending(store: Store, translator: Translator, ids: Iterable[int] | None = None,
                      chunk_size: int = 512, progress: Progress | None = None) -> TranslateReport:
    """Translate the given pending sentences (or all pending), across articles, cache first.

    Work is committed chunk by chunk, so an interrupted run keeps what it finished.
    """
    report = TranslateReport()
    pending = store.pending_sentences(ids)
    if not pending:
        return report
    cached = store.cached_translations(translator.key, (h for _, h, _ in pending))
    hits = [(sid, cached[h]) for sid, h, _ in pending if h in cached]
    if hits:
        store.save_translations(translator.key, {}, hits)
        report.from_cache = len(hits)
    misses: dict[str, tuple[str, list[int]]] = {}
    for sid, h, text in pending:
        if h not in cached:
            misses.setdefault(h, (text, []))[1].append(sid)
    # Longest first inside each chunk lets CTranslate2 pad less; chunks keep memory flat.
    order = sorted(misses, key=lambda h: len(misses[h][0]), reverse=True)
    total, done = len(order), 0
    if progress:
        progress(0, total)
    for start in range(0, total, chunk_size):
        chunk = order[start:start + chunk_size]
        english = translator.translate([misses[h][0] for h in chunk])
        if len(english) != len(chunk):
            raise RuntimeError(f"engine {translator.key} returned {len(english)} outputs "
                               f"for {len(chunk)} sentences")
        new = dict(zip(chunk, english, strict=True))
        store.save_translations(translator.key, new,
                                [(sid, new[h]) for h in chunk for sid in misses[h][1]])
        done += len(chunk)
        report.model_calls += len(chunk)
        if progress:
            progress(done, total)
    report.sentences = len(pending)
    return report
