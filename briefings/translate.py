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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from . import device
from .autoinstall import find_or_install
from .config import Config, TranslateConfig
from .errors import BriefingsError, ConfigError, ModelUnusable
from .modelload import BadComputeType, DeviceFailed, PackageBroken, load
from .packages import InstalledPackage, packages_dir, safe
from .store import Store
from .text import model_pieces

log = logging.getLogger(__name__)


class Translator(Protocol):
    """Translates sentences one to one. ``key`` names the engine+model in the cache.

    ``priority`` calls (a digest someone is waiting for) go before background work.
    """

    key: str

    def translate(self, sentences: Sequence[str], priority: bool = False) -> list[str]: ...


class PriorityLane:
    """One user of the model at a time; a waiting priority caller goes before background ones.

    Background work takes the lane one small slice at a time, so a priority caller waits
    for at most the slice that is running.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self.waiting_priority = 0  # priority callers waiting for the lane

    @contextmanager
    def hold(self, priority: bool) -> Iterator[None]:
        with self._cond:
            if priority:
                self.waiting_priority += 1
                try:
                    self._cond.wait_for(lambda: not self._busy)
                finally:
                    self.waiting_priority -= 1
            else:
                self._cond.wait_for(lambda: not self._busy and not self.waiting_priority)
            self._busy = True
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()


class ArgosTranslator:
    """The installed Argos package's CTranslate2 model and tokenizer, loaded once, on the
    configured device (``device.choose``), or on the CPU when a GPU does not start."""

    def __init__(self, cfg: TranslateConfig, pkg: InstalledPackage) -> None:
        self.cfg = cfg
        self.pkg = pkg
        self.key = pkg.key
        self.plan = device.choose(cfg)
        try:
            try:
                loaded = load(pkg.path, self.plan.params(cfg), target_prefix=pkg.target_prefix)
            except DeviceFailed as exc:
                log.warning("%s could not start (%s); translating on the CPU",
                            self.plan.device.upper(), exc)
                self.plan = device.plan_for("cpu", cfg, f"{self.plan.device} failed")
                loaded = load(pkg.path, self.plan.params(cfg), target_prefix=pkg.target_prefix)
        except PackageBroken as exc:
            raise ModelUnusable(pkg.from_code, pkg.to_code, safe(str(pkg.path)), str(exc)
                                ) from None
        except BadComputeType as exc:
            raise ConfigError("translate.compute_type", str(exc)) from None
        self.model, self.tokenizer = loaded.model, loaded.tokenizer
        self.device = self.plan.device  # the device actually used
        self.batch_size = self.plan.batch_size
        self.target_prefix = pkg.target_prefix
        self.lane = PriorityLane()
        # Background work goes to the model in slices of what it decodes at once.
        self.slice_size = max(1, self.batch_size * cfg.inter_threads)
        self.decoded_tokens = 0  # target tokens the model produced (for benchmarks and logs)
        log.info("loaded %s from %s on %s (%s)", self.key, pkg.path, self.plan.describe(),
                 self.plan.why)

    def tokenize(self, sentences: Sequence[str]) -> list[list[str]]:
        return [list(self.tokenizer.encode(s)) for s in sentences]

    def slices(self, tokens: list[list[str]]) -> list[tuple[int, int]]:
        """(start, end) of consecutive slices of about batch_size x inter_threads sentences
        (or tokens, with batch_type tokens)."""
        if self.cfg.batch_type != "tokens":
            return [(i, min(i + self.slice_size, len(tokens)))
                    for i in range(0, len(tokens), self.slice_size)]
        out, start, size = [], 0, 0
        for i, t in enumerate(tokens):
            if size and size + len(t) > self.slice_size:
                out.append((start, i))
                start, size = i, 0
            size += len(t)
        if start < len(tokens):
            out.append((start, len(tokens)))
        return out

    def translate(self, sentences: Sequence[str], priority: bool = False) -> list[str]:
        if not sentences:
            return []
        tokens = self.tokenize(sentences)
        parts = [(0, len(tokens))] if priority else self.slices(tokens)
        results = []
        for start, end in parts:
            with self.lane.hold(priority):
                results += self._run(tokens[start:end])
        out = []
        for result in results:
            hyp = result.hypotheses[0]
            self.decoded_tokens += len(hyp)
            if self.target_prefix and hyp and hyp[0] == self.target_prefix:
                hyp = hyp[1:]
            out.append(self.tokenizer.decode(hyp).strip())
        return out

    def _run(self, tokens: list[list[str]]) -> list[Any]:
        prefix = [[self.target_prefix]] * len(tokens) if self.target_prefix else None
        try:
            return list(self.model.translate_batch(
                tokens, target_prefix=prefix, max_batch_size=self.batch_size,
                batch_type=self.cfg.batch_type, beam_size=self.cfg.beam_size,
                num_hypotheses=1, length_penalty=0.2, replace_unknowns=True,
                max_decoding_length=self.cfg.max_decoding_length,
            ))
        except (RuntimeError, ValueError, IndexError) as exc:  # CTranslate2 refused the work
            reason = " ".join(str(exc).split())[:300] or type(exc).__name__
            raise ModelUnusable(self.cfg.from_code, self.cfg.to_code, self.pkg.path,
                                f"translation failed ({reason})") from None


def _argos(cfg: TranslateConfig) -> Translator:
    # no package for the pair: one is installed from the Argos index (translate.auto_install)
    return ArgosTranslator(cfg, find_or_install(cfg, packages_dir(cfg.packages_dir)))


# translate.engine -> a function loading that translator
TRANSLATORS: dict[str, Callable[[TranslateConfig], Translator]] = {"argos": _argos}


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


def describe(translator: Translator) -> str:
    """Where the translator runs, e.g. "cpu, batches of 16" (the device actually used)."""
    plan = getattr(translator, "plan", None)
    return plan.describe() if isinstance(plan, device.Plan) else translator.key


def device_used(cfg: Config) -> str:
    """The device the configured model runs on; loaded to find out when it is a GPU (which
    may not start). Without a usable model: the device it would be tried on."""
    plan = device.choose(cfg.translate)
    if plan.device != "cpu":
        try:
            return f"{describe(get_translator(cfg))} ({plan.why})"
        except BriefingsError:
            pass
    return f"{plan.describe()} ({plan.why})"


def forget_loaded() -> None:
    """Drop loaded models (after installing a new package)."""
    with _loaded_lock:
        _loaded.clear()


@dataclass
class TranslateReport:
    sentences: int = 0  # sentences marked translated
    from_cache: int = 0  # of which served by the cache
    model_calls: int = 0  # distinct sentences the model translated
    left_to_others: int = 0  # sentences another run was translating (claimed): still pending


Progress = Callable[[int, int], None]
# How long a run's claim on a chunk stands: another run takes the chunk over after this
# (a run that died, or one slower than this per chunk: then the work is done twice, no harm).
CLAIM_TTL = timedelta(minutes=15)


def translate_pending(store: Store, translator: Translator, ids: Iterable[int] | None = None,
                      chunk_size: int = 512, progress: Progress | None = None,
                      priority: bool = False) -> TranslateReport:
    """Translate the given pending sentences (or all pending), across articles, cache first.

    Work is committed chunk by chunk, so an interrupted run keeps what it finished.
    ``priority`` (a digest being composed) goes to the model before background work.
    """
    report = TranslateReport()
    pending = store.pending_sentences(ids)
    if not pending:
        return report
    cached = store.cached_translations(translator.key, (p.src_hash for p in pending))
    hits = [(p.id, cached[p.src_hash]) for p in pending if p.src_hash in cached]
    if hits:
        store.save_translations(translator.key, {}, hits)
        report.from_cache = len(hits)
    misses: dict[str, tuple[str, list[int]]] = {}
    for p in pending:
        if p.src_hash not in cached:
            misses.setdefault(p.src_hash, (p.text, []))[1].append(p.id)
    # Longest first inside each chunk lets CTranslate2 pad less; chunks keep memory flat.
    order = sorted(misses, key=lambda h: len(misses[h][0]), reverse=True)
    total = len(order)
    if progress:
        progress(0, total)
    for start in range(0, total, chunk_size):
        chunk = order[start:start + chunk_size]
        if not priority:  # background work is shared with concurrent runs through claims
            finished, mine = store.claim_translations(translator.key, chunk, CLAIM_TTL)
            if finished:
                store.save_translations(translator.key, {}, [
                    (sid, text) for h, text in finished.items() for sid in misses[h][1]])
                report.from_cache += sum(len(misses[h][1]) for h in finished)
            elsewhere = set(chunk) - set(finished) - set(mine)
            report.left_to_others += sum(len(misses[h][1]) for h in elsewhere)
            chunk = mine
        if chunk:
            new = dict(zip(chunk, _translate_whole(translator, [misses[h][0] for h in chunk],
                                                   priority), strict=True))
            store.save_translations(translator.key, new,
                                    [(sid, new[h]) for h in chunk for sid in misses[h][1]])
            report.model_calls += len(chunk)
        done = min(total, start + chunk_size)
        if progress:
            progress(done, total)
    report.sentences = len(pending) - report.left_to_others
    return report


def _translate_whole(translator: Translator, sentences: Sequence[str], priority: bool
                     ) -> list[str]:
    """One English text per stored sentence: a long sentence goes to the model in pieces
    (``text.model_pieces``) whose translations are joined back, so alignment stays one
    stored sentence -> one translation."""
    pieces = [model_pieces(s) for s in sentences]
    flat = [p for ps in pieces for p in ps]
    english = translator.translate(flat, priority=priority)
    if len(english) != len(flat):
        raise RuntimeError(f"engine {translator.key} returned {len(english)} outputs "
                           f"for {len(flat)} sentences")
    out, start = [], 0
    for ps in pieces:
        out.append(" ".join(e for e in english[start:start + len(ps)] if e))
        start += len(ps)
    return out
