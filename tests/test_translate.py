"""The real argos engine on a tiny generated model: structure and behaviour, never strings."""

from __future__ import annotations

import itertools
import threading
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from briefings import config, packages
from briefings.cli import main
from briefings.errors import ModelInstallError, ModelNotInstalled
from briefings.ingest import ingest
from briefings.store import Store
from briefings.text import sentence_hash
from briefings.translate import ArgosTranslator, Translator, get_translator, translate_pending

from .builders import SEEDS, ConfigFactory, install_tiny
from .fakes.web import WebServer, files


def test_install_and_list(tiny_model: Path, capsys: pytest.CaptureFixture[str],
                          tmp_path: Path) -> None:
    assert main(["models", "list"]) == 0
    assert "no translation packages installed" in capsys.readouterr().out
    assert main(["models", "install", str(tiny_model)]) == 0
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "ar->en  version 0.0.1" in out and str(tmp_path / "argos-packages") in out
    pkg = packages.find(packages.packages_dir(), "ar", "en")
    assert (pkg.path / "model" / "model.bin").exists()
    assert (pkg.path / "sentencepiece.model").exists()


def test_install_rejects_non_packages(tmp_path: Path) -> None:
    bad = tmp_path / "bad.argosmodel"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ModelInstallError, match="zip"):
        packages.install_file(bad, tmp_path / "pk")
    nometa = tmp_path / "nometa.argosmodel"
    with zipfile.ZipFile(nometa, "w") as zf:
        zf.writestr("pkg/model/model.bin", b"")
    with pytest.raises(ModelInstallError, match=r"metadata\.json"):
        packages.install_file(nometa, tmp_path / "pk")
    evil = tmp_path / "evil.argosmodel"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../escape/metadata.json", b"{}")
    with pytest.raises(ModelInstallError, match="unsafe"):
        packages.install_file(evil, tmp_path / "pk")


def test_one_output_per_input_deterministic(tiny_model: Path, cfg: config.Config) -> None:
    install_tiny(tiny_model)
    tr = get_translator(cfg)
    assert get_translator(cfg) is tr  # loaded once
    sents = ["صرح ناطق باسم وزارة الدفاع", "مرحبا", "قوات أميركية في مصراتة", "مرحبا"]
    out = tr.translate(sents)
    assert len(out) == len(sents)
    assert out[1] == out[3]  # same input, same output, wherever it sits in the batch
    assert tr.translate([sents[2]]) == [out[2]]  # batching does not change a sentence
    assert all(not any("\u0600" <= ch <= "\u06ff" for ch in o) for o in out)  # English pieces
    assert tr.translate([]) == []


def test_pending_then_translated_with_cache(tiny_model: Path, cfg: config.Config,
                                            store: Store) -> None:
    report = ingest(cfg, store)
    with pytest.raises(ModelNotInstalled, match="briefings models install"):
        get_translator(cfg)
    total = store.pending_count()
    assert total > 20
    install_tiny(tiny_model)
    tr = get_translator(cfg)
    calls: list[int] = []
    original = tr.translate

    def counting(sentences: Sequence[str], priority: bool = False) -> list[str]:
        calls.append(len(sentences))
        return original(sentences, priority)

    tr.translate = counting  # type: ignore[method-assign]
    first = translate_pending(store, tr, chunk_size=7)
    assert store.pending_count() == 0 and first.sentences == total
    assert sum(calls) == first.model_calls and max(calls) <= 7  # batched across articles
    # alignment: each sentence row holds its own source's translation
    sentences = store.sentences(report.added)
    hashes = [sentence_hash(s.text_src) for ss in sentences.values() for s in ss]
    cache = store.cached_translations(tr.key, hashes)
    for ss in sentences.values():
        for s in ss:
            assert s.status == "translated" and s.text_en == cache[sentence_hash(s.text_src)]
    some = [s for ss in sentences.values() for s in ss][:3]
    assert original([s.text_src for s in some]) == [s.text_en for s in some]
    assert translate_pending(store, tr).sentences == 0  # nothing pending, nothing done


def test_repeated_sentences_translated_once(tiny_model: Path, cfg: config.Config, store: Store,
                                            tmp_path: Path) -> None:
    install_tiny(tiny_model)
    folder = tmp_path / "wire"
    folder.mkdir()
    shared = "وقالت وكالة الأنباء إن الاجتماع سيعقد في العاصمة الأسبوع المقبل بحضور الوزراء."
    for i, extra in enumerate(["وأضاف المصدر أن الترتيبات اكتملت.", "وأكد مسؤول أن جدول "
                               "الأعمال يشمل ملفات اقتصادية وأمنية متعددة."]):
        (folder / f"{i}.txt").write_text(f"عنوان رقم {i}\n{shared}\n{extra}\n", encoding="utf-8")
    ingest(cfg, store, [config.SourceConfig(name="wire", type="folder", path=str(folder))])
    report = translate_pending(store, get_translator(cfg))
    assert report.sentences == 6 and report.model_calls == 5  # the shared sentence once


def test_install_from_index_over_loopback(tiny_model: Path, web: WebServer,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from argostranslate import settings

    root = tiny_model.parent
    web.fallback = files(root)
    base = web.url
    (root / "index.json").write_text(json.dumps([
        {"from_code": "ar", "to_code": "en", "package_version": "0.0.1", "type": "translate",
         "links": [f"{base}/missing.argosmodel", f"{base}/{tiny_model.name}"]},
        {"from_code": "en", "to_code": "fr", "links": []}]), encoding="utf-8")
    monkeypatch.setattr(settings, "remote_package_index", f"{base}/index.json")
    assert main(["models", "install"]) == 0  # the first link fails, the second works
    assert "installed ar->en 0.0.1" in capsys.readouterr().out
    assert packages.find(packages.packages_dir(), "ar", "en").version == "0.0.1"
    monkeypatch.setattr(settings, "remote_package_index", f"{base}/nothing.json")
    assert main(["models", "install"]) == 1
    assert "cannot read the Argos package index" in capsys.readouterr().err


class _RecordingModel:
    """Wraps the real CTranslate2 model: records which thread each slice came from, and holds
    the first background slice until a priority caller is waiting for the model."""

    def __init__(self, model: Any, lane: Any) -> None:
        self.model, self.lane = model, lane
        self.calls: list[tuple[str, int]] = []
        self.first_started = threading.Event()

    def translate_batch(self, tokens: list[list[str]], **kwargs: Any) -> Any:
        name = threading.current_thread().name
        self.calls.append((name, len(tokens)))
        if name == "background" and len(self.calls) == 1:
            self.first_started.set()
            # wait (not a timing assertion: a bound against hanging) for the priority caller
            deadline = time.monotonic() + 60
            while self.lane.waiting_priority == 0:
                assert time.monotonic() < deadline, "the priority call never came"
                time.sleep(0.002)
        return self.model.translate_batch(tokens, **kwargs)


def _seed_sentences(n: int) -> list[str]:
    from briefings.text import split_sentences

    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    sentences = [s for s in split_sentences(text) if any("\u0600" <= c <= "\u06ff" for c in s)]
    assert len(sentences) >= n
    return sentences[:n]


def test_priority_call_goes_before_remaining_background_slices(
        tiny_model: Path, write_config: ConfigFactory) -> None:
    cfg = config.load(write_config(translate={"batch_size": 2, "inter_threads": 2}))
    install_tiny(tiny_model)
    tr = get_translator(cfg)
    assert isinstance(tr, ArgosTranslator) and tr.slice_size == 4
    background, urgent = _seed_sentences(30), ["قوات أميركية في مصراتة", "مرحبا"]
    expected_bg = tr.translate(background, priority=True)  # one unsliced call
    expected_urgent = tr.translate(urgent, priority=True)
    recorder = _RecordingModel(tr.model, tr.lane)
    tr.model = recorder
    results: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def run(name: str, sentences: list[str], priority: bool) -> None:
        try:
            results[name] = tr.translate(sentences, priority=priority)
        except BaseException as exc:
            errors.append(exc)

    bg = threading.Thread(target=run, args=("background", background, False), name="background")
    bg.start()
    assert recorder.first_started.wait(60)
    fg = threading.Thread(target=run, args=("priority", urgent, True), name="priority")
    fg.start()
    fg.join(120)
    bg.join(120)
    assert not errors and not bg.is_alive() and not fg.is_alive()
    order = [name for name, _ in recorder.calls]
    # the priority call ran right after the slice that was running, before the other 7
    assert order == ["background", "priority"] + ["background"] * 7
    assert [n for name, n in recorder.calls if name == "background"] == [4] * 7 + [2]
    assert results == {"background": expected_bg, "priority": expected_urgent}  # same output


def test_background_slices_by_tokens(tiny_model: Path, write_config: ConfigFactory) -> None:
    cfg = config.load(write_config(translate={"batch_type": "tokens", "batch_size": 20,
                                              "inter_threads": 2}))
    install_tiny(tiny_model)
    tr = get_translator(cfg)
    assert isinstance(tr, ArgosTranslator)
    sentences = _seed_sentences(12)
    tokens = tr.tokenize(sentences)
    parts = tr.slices(tokens)
    assert parts[0][0] == 0 and parts[-1][1] == len(tokens) and len(parts) > 1
    assert all(a[1] == b[0] for a, b in itertools.pairwise(parts))  # consecutive, no gaps
    assert all(end - start == 1 or sum(map(len, tokens[start:end])) <= 40
               for start, end in parts)
    assert tr.translate(sentences) == tr.translate(sentences, priority=True)


def test_pipeline_digest_is_priority_and_rest_is_background(
        tiny_model: Path, cfg: config.Config, store: Store) -> None:
    from briefings.pipeline import Pipeline, load_translator

    install_tiny(tiny_model)
    ingest(cfg, store)
    engine = load_translator(cfg)
    assert engine.translator is not None
    seen: list[bool] = []
    original = engine.translator.translate

    def spy(sentences: Sequence[str], priority: bool = False) -> list[str]:
        seen.append(priority)
        return original(sentences, priority)

    engine.translator.translate = spy  # type: ignore[method-assign]
    flow = Pipeline(cfg, store, engine)
    flow.digest(flow.recent())
    assert seen and all(seen)
    seen.clear()
    flow.translate_rest()
    assert seen and not any(seen)


class _Sharing:
    """A real translator whose first call lets a second run (its own store connection,
    as another process has) do the whole job before the first call goes on."""

    def __init__(self, inner: Any, other: Any = None) -> None:
        self.inner, self.other = inner, other
        self.key = inner.key
        self.seen: list[str] = []

    def translate(self, sentences: Sequence[str], priority: bool = False) -> list[str]:
        if self.other is not None:
            other, self.other = self.other, None
            other()
        self.seen += sentences
        out: list[str] = self.inner.translate(sentences, priority=priority)
        return out


def test_concurrent_runs_share_the_work(tiny_model: Path, cfg: config.Config, store: Store
                                        ) -> None:
    install_tiny(tiny_model)
    ingest(cfg, store)
    pending = store.pending_sentences()
    distinct = {p.src_hash for p in pending}
    assert len(distinct) > 8
    real = get_translator(cfg)
    second_store = Store(cfg.db_path)
    second = _Sharing(real)
    seconds = []
    first = _Sharing(real, other=lambda: seconds.append(
        translate_pending(second_store, second, chunk_size=4)))
    report = translate_pending(store, first, chunk_size=4)
    # the first run's chunk was claimed while the second ran: the second left it alone,
    # and the first found every later chunk already done
    assert len(first.seen) == 4 and report.left_to_others == 0
    assert seconds[0].left_to_others == sum(1 for p in pending
                                            if p.src_hash in {sentence_hash(x) for x in first.seen})
    assert len(first.seen) + len(second.seen) == len(distinct)  # nothing translated twice
    assert not set(first.seen) & set(second.seen)
    assert store.pending_count() == 0
    second_store.close()


def test_a_dead_runs_claims_expire(tiny_model: Path, cfg: config.Config, store: Store) -> None:
    from datetime import timedelta

    install_tiny(tiny_model)
    ingest(cfg, store)
    tr = get_translator(cfg)
    hashes = [p.src_hash for p in store.pending_sentences()]
    _, mine = store.claim_translations(tr.key, hashes, timedelta(seconds=-1))  # died long ago
    assert mine
    report = translate_pending(store, tr)
    assert report.left_to_others == 0 and store.pending_count() == 0


def test_a_poll_stops_translating_at_shut_down(tiny_model: Path, cfg: config.Config,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from briefings import pipeline
    from briefings.chat_service import ChatService

    monkeypatch.setattr(pipeline, "POLL_CHUNK", 8)  # the seeds hold ~35 sentences
    install_tiny(tiny_model)
    service = ChatService(cfg)
    calls: list[int] = []
    found = service.engine().translator
    assert found is not None
    real: Translator = found  # (the narrowed type, also inside Stopper)

    class Stopper:  # the shut-down comes while the first chunk is being translated
        key = real.key

        def translate(self, sentences: Sequence[str], priority: bool = False) -> list[str]:
            calls.append(len(sentences))
            if len(calls) == 1:
                service.stopping.set()
            out: list[str] = real.translate(sentences, priority=priority)
            return out

    service.engine().translator = Stopper()
    report = service.poll()
    assert len(report.ingest.added) == 2  # ingest and grouping went on
    assert calls == [8]  # one chunk, then it stopped
    pending = service.store.pending_count()
    assert pending > 0 and report.translated.sentences == 0
    service.stopping.clear()
    service.poll()  # the next run picks up the rest
    assert service.store.pending_count() == 0
