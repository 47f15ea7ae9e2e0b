"""Issue 10: every Argos package (BPE tokenisation, target_prefix) and the device choice.

The BPE package is a real CTranslate2 model with a bpe.model (sacremoses + BPE, read by
argostranslate's BPETokenizer), built by the model kit. CI has no GPU: the device tests
simulate a device count and a GPU that fails to start.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import zipfile
from pathlib import Path
from typing import Any

import ctranslate2
import pytest

from briefings import config, device
from briefings.cli import main
from briefings.config import TranslateConfig
from briefings.errors import ConfigError
from briefings.modelkit import build_package
from briefings.packages import install_file, packages_dir
from briefings.translate import ArgosTranslator, forget_loaded, get_translator

from .builders import SEEDS, TINY, ConfigFactory, install_tiny

PREFIX = "__en__"
ARABIC = re.compile("[\u0600-\u06ff]")


@pytest.fixture(scope="module")
def bpe_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    texts = [line for f in sorted(SEEDS.glob("*.txt"))
             for line in f.read_text(encoding="utf-8").splitlines()]
    # </s> disfavoured: the prefix token is new to the random decoder, which would end right
    # after it (the output is then cut at max_decoding_length)
    shape = dataclasses.replace(TINY, eos_bias=-1.0)
    return build_package(tmp_path_factory.mktemp("bpe") / "ar_en-bpe.argosmodel", texts, shape,
                         tokenizer="bpe", target_prefix=PREFIX)


def _seed_lines(n: int) -> list[str]:
    text = (SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[0]).read_text(encoding="utf-8")
    return [ln for ln in text.splitlines() if ARABIC.search(ln)][:n]


def test_bpe_package_installs_and_translates(bpe_model: Path, cfg: config.Config,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with zipfile.ZipFile(bpe_model) as zf:
        names = {Path(n).name for n in zf.namelist()}
    assert "bpe.model" in names and "sentencepiece.model" not in names
    install_tiny(bpe_model)
    tr = get_translator(cfg)
    assert isinstance(tr, ArgosTranslator) and tr.target_prefix == PREFIX
    assert type(tr.tokenizer).__name__ == "BPETokenizer"
    lines = _seed_lines(4)
    assert any(p.endswith("@@") for t in tr.tokenize(lines) for p in t)  # BPE pieces
    out = tr.translate(lines)
    assert len(out) == 4 and all(out) and out == tr.translate(lines)
    for english in out:
        assert not ARABIC.search(english) and PREFIX not in english
    assert main(["models", "list"]) == 0
    assert "ar->en  version 0.0.1" in capsys.readouterr().out


def test_a_dry_run_through_a_bpe_package(bpe_model: Path, write_config: ConfigFactory,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    install_tiny(bpe_model)
    assert main(["dry-run", "--config", str(write_config()), "--summary-only"]) == 0
    captured = capsys.readouterr()
    assert "[untranslated]" not in captured.out, captured.err
    assert "No ar->en" not in captured.out


def test_a_broken_bpe_model_is_refused_in_one_line(bpe_model: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.argosmodel"
    with zipfile.ZipFile(bpe_model) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith("bpe.model"):
                data += b"three pieces here\n"
            zout.writestr(info.filename, data)
    assert main(["models", "install", str(bad)]) == 1  # argostranslate would sys.exit here
    err = capsys.readouterr().err
    line, = [ln for ln in err.splitlines() if ln.strip()]
    assert "(bpe.model: line" in line and "not two subword units" in line


# -- device --------------------------------------------------------------------------------

def _gpus(monkeypatch: pytest.MonkeyPatch, count: int,
          types: set[str] | None = None, cpu_types: set[str] | None = None) -> None:
    """``count`` GPUs supporting ``types``; the CPU supports ``cpu_types``, or what this
    machine's CPU does (int16 depends on the CPU: Intel's MKL has it, AMD's backends not)."""
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: count)
    real = ctranslate2.get_supported_compute_types

    def supported(dev: str, *args: Any) -> set[str]:
        if dev == "cuda":
            if types is None:
                raise RuntimeError("CUDA failed with error no CUDA-capable device is detected")
            return types
        return set(real(dev, *args)) if cpu_types is None else cpu_types

    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", supported)


GPU_TYPES = {"float32", "float16", "int8", "int8_float16", "int8_float32"}


def test_device_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    _gpus(monkeypatch, 0)
    assert device.choose(TranslateConfig()) == device.Plan("cpu", "auto", 16,
                                                           "auto: no CUDA device")
    _gpus(monkeypatch, 2, GPU_TYPES)
    plan = device.choose(TranslateConfig())
    assert (plan.device, plan.compute_type, plan.batch_size) == ("cuda", "int8_float16", 64)
    assert device.choose(TranslateConfig(device="cpu")).device == "cpu"
    assert device.choose(TranslateConfig(batch_size=8, compute_type="float16")) == \
        device.Plan("cuda", "float16", 8, "auto: 2 CUDA device(s)")
    _gpus(monkeypatch, 1, {"float32", "float16"})  # an older GPU: no int8
    assert device.choose(TranslateConfig()).compute_type == "float16"


def test_compute_type_checked_on_the_device(monkeypatch: pytest.MonkeyPatch,
                                            write_config: ConfigFactory) -> None:
    _gpus(monkeypatch, 1, {"float16", "int8_float16"}, {"float32", "int8", "int16"})
    with pytest.raises(ConfigError, match=r"on this GPU.*'int16'"):
        config.load(write_config(translate={"compute_type": "int16"}))
    assert config.load(write_config(translate={"device": "cpu", "compute_type": "int16"}))
    _gpus(monkeypatch, 0, cpu_types={"float32", "int8", "int8_float32"})
    with pytest.raises(ConfigError, match="on this CPU"):
        config.load(write_config(translate={"compute_type": "int8_float16"}))
    with pytest.raises(ConfigError, match=r"on this CPU.*'int16'"):
        config.load(write_config(translate={"compute_type": "int16"}))


@pytest.mark.parametrize("fails", ["at load", "at the first translation"])
def test_a_gpu_that_does_not_start_falls_back_to_the_cpu(
        fails: str, tiny_model: Path, cfg: config.Config, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    install_file(tiny_model, packages_dir())  # not through main(), which resets logging
    _gpus(monkeypatch, 1, GPU_TYPES)
    real = ctranslate2.Translator
    started: list[str] = []

    class NoCuBLAS:
        def translate_batch(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("Library libcublas.so.12 is not found or cannot be loaded")

    def translator(path: str, device: str = "cpu", **kwargs: Any) -> Any:
        started.append(device)
        if device == "cuda":
            if fails == "at load":
                raise RuntimeError("CUDA failed with error CUDA driver version is insufficient")
            return NoCuBLAS()
        return real(path, device=device, **kwargs)

    monkeypatch.setattr(ctranslate2, "Translator", translator)
    with caplog.at_level(logging.WARNING):
        tr = get_translator(cfg)
    assert isinstance(tr, ArgosTranslator)
    assert started == ["cuda", "cpu"] and tr.device == "cpu" and tr.batch_size == 16
    assert tr.plan.compute_type == "auto"  # int8_float16 is not a CPU type
    line, = [r.getMessage() for r in caplog.records if "could not start" in r.getMessage()]
    assert line.startswith("CUDA could not start (") and line.endswith("translating on the CPU")
    assert tr.translate(_seed_lines(2))
    forget_loaded()
    assert main(["models", "list"]) == 0  # shows the device actually used
    assert "device: cpu, batches of 16" in capsys.readouterr().out
