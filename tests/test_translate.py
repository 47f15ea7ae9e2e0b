"""The real argos engine on a tiny generated model: structure and behaviour, never strings."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from briefings import config, packages
from briefings.cli import main
from briefings.errors import ModelInstallError, ModelNotInstalled
from briefings.ingest import ingest
from briefings.store import Store
from briefings.text import sentence_hash
from briefings.translate import get_translator, translate_pending

from .conftest import install_tiny


def test_install_and_list(tiny_model: Path, capsys: pytest.CaptureFixture[str],
                          tmp_path: Path) -> None:
    assert main(["models", "list"]) == 0
    assert "no translation packages installed" in capsys.readouterr().out
    install_tiny(tiny_model)
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

    def counting(sentences: list[str]) -> list[str]:
        calls.append(len(sentences))
        return original(sentences)

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


def test_install_from_index_over_loopback(tiny_model: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    import json
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from argostranslate import settings

    root = tiny_model.parent
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
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
    finally:
        httpd.shutdown()
        httpd.server_close()
