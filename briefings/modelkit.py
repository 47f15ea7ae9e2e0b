"""Build a real, random-weight Argos package: CTranslate2 Transformer + SentencePiece or BPE.

Used by the tests (a tiny model trained on the seed text) and by the benchmarks
(an Argos-1.0-sized model), and handy to check an installation end to end with
no download: ``python -m briefings.modelkit OUT.argosmodel TEXT_FILE... [--bpe]``.
The weights are random, so the output is not a translation; the shape of the
work (tokenise, batch, beam search, detokenise) is exactly a real model's.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_ARABIC = re.compile("[\u0600-\u06ff]")


@dataclass(frozen=True)
class ModelShape:
    layers: int = 2
    d_model: int = 32
    ffn: int = 64
    heads: int = 2
    vocab_size: int = 400
    max_positions: int = 1024
    quantization: str | None = None  # e.g. "int8"
    eos_bias: float = 0.0  # added to </s>'s logit: > 0 ends random decoding sooner
    english_target: bool = False  # target vocabulary: only pieces without Arabic letters

    @classmethod
    def argos_1_0(cls) -> ModelShape:
        """6+6 layers, d_model 512, FFN 2048, 8 heads, 32k shared vocabulary, int8."""
        return cls(layers=6, d_model=512, ffn=2048, heads=8, vocab_size=32000,
                   quantization="int8")


# English text mixed into the SentencePiece training of test models with an English-only
# target vocabulary, so their (random) output is made of English word pieces.
SAMPLE_ENGLISH = """\
The defence ministry said small teams of special forces were working in the country.
Officials said clashes broke out between local forces and militants east of the city.
The government of national accord is backed by the United Nations and Western powers.
Fighters based in the port city want international support to retake the coastal town.
A spokesman said the forces were preparing to advance towards the city in the coming days.
The military operations room works under the direct command of the unity government.
Witnesses reported patrols and reconnaissance missions near the front lines on Tuesday.
The report said seven soldiers were armed and equipped and used three vehicles.
Ministers agreed on Monday to support the rearming of the new government.
The newspaper revealed last week that American troops were present in two cities.
""".splitlines()


def train_sentencepiece(texts: Iterable[str], vocab_size: int) -> bytes:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=(t for t in texts if t.strip()), model_writer=model,
        vocab_size=vocab_size, hard_vocab_limit=False, character_coverage=1.0,
        model_type="unigram", input_sentence_size=2_000_000, shuffle_input_sentence=True,
        num_threads=2, minloglevel=2,
    )
    return model.getvalue()


def _sinusoids(length: int, depth: int) -> np.ndarray:
    pos = np.arange(length)[:, None]
    inv = 1.0 / np.power(10000, np.arange(0, depth, 2) / depth)
    enc = np.zeros((length, depth), dtype=np.float32)
    enc[:, 0::2] = np.sin(pos * inv)
    enc[:, 1::2] = np.cos(pos * inv)
    return enc


def build_spec(shape: ModelShape, vocab: list[str], seed: int = 0,
               target_vocab: list[str] | None = None):
    from ctranslate2.specs import transformer_spec

    rng = np.random.default_rng(seed)
    target_vocab = target_vocab or vocab
    d, f, v, tv = shape.d_model, shape.ffn, len(vocab), len(target_vocab)

    def w(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols)) / np.sqrt(cols)).astype(np.float32)

    def b(n: int) -> np.ndarray:
        return (rng.standard_normal(n) * 0.02).astype(np.float32)

    def norm(spec) -> None:
        spec.gamma = np.ones(d, dtype=np.float32)
        spec.beta = np.zeros(d, dtype=np.float32)

    def linear(spec, rows: int, cols: int) -> None:
        spec.weight, spec.bias = w(rows, cols), b(rows)

    def ffn(spec) -> None:
        norm(spec.layer_norm)
        linear(spec.linear_0, f, d)
        linear(spec.linear_1, d, f)

    spec = transformer_spec.TransformerSpec.from_config(shape.layers, shape.heads, pre_norm=True)
    for part in (spec.encoder, spec.decoder):
        norm(part.layer_norm)
        part.position_encodings.encodings = _sinusoids(shape.max_positions, d)
    spec.encoder.embeddings[0].weight = w(v, d)
    spec.decoder.embeddings.weight = w(tv, d)
    linear(spec.decoder.projection, tv, d)
    if shape.eos_bias and "</s>" in target_vocab:
        spec.decoder.projection.bias[target_vocab.index("</s>")] += shape.eos_bias
    if target_vocab is not vocab and "<unk>" in target_vocab:  # English-only output
        spec.decoder.projection.bias[target_vocab.index("<unk>")] -= 20.0
    for layer in spec.encoder.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * d, d)
        linear(layer.self_attention.linear[1], d, d)
        ffn(layer.ffn)
    for layer in spec.decoder.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * d, d)
        linear(layer.self_attention.linear[1], d, d)
        norm(layer.attention.layer_norm)
        linear(layer.attention.linear[0], d, d)
        linear(layer.attention.linear[1], 2 * d, d)
        linear(layer.attention.linear[2], d, d)
        ffn(layer.ffn)
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(target_vocab)
    return spec


def build_package(out: Path, texts: Iterable[str], shape: ModelShape = ModelShape(), *,
                  from_code: str = "ar", to_code: str = "en", seed: int = 0,
                  version: str = "0.0.1", tokenizer: str = "sentencepiece",
                  target_prefix: str = "") -> Path:
    """Write ``out`` (.argosmodel zip) with metadata.json, model/ and the tokenizer:
    ``sentencepiece.model``, or ``bpe.model`` (``tokenizer="bpe"``: sacremoses + BPE, as
    argostranslate's BPETokenizer reads it). ``target_prefix`` is a token the decoder is
    started with (multilingual packages name the target language so)."""
    texts = list(texts)
    if shape.english_target:
        texts += SAMPLE_ENGLISH * 3
    if tokenizer == "bpe":
        name, data, vocab, target = _bpe_vocab(texts, shape, from_code, to_code)
    else:
        name, data, vocab, target = _sentencepiece_vocab(texts, shape)
    if target_prefix:
        (target if target is not None else vocab).append(target_prefix)
    spec = build_spec(shape, vocab, seed, target)
    spec.validate()
    spec.optimize(quantization=shape.quantization)
    top = f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    meta = {
        "package_version": version, "argos_version": "1.0", "from_code": from_code,
        "from_name": {"ar": "Arabic"}.get(from_code, from_code), "to_code": to_code,
        "to_name": {"en": "English"}.get(to_code, to_code), "type": "translate",
        "description": "random-weight test model built by briefings.modelkit",
        "links": [], **({"target_prefix": target_prefix} if target_prefix else {}),
    }
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "model"
        model_dir.mkdir()
        spec.save(str(model_dir))
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"{top}/metadata.json", json.dumps(meta, indent=2))
            zf.writestr(f"{top}/{name}", data)
            zf.writestr(f"{top}/README.md", "Random-weight model for tests and benchmarks.\n")
            for path in sorted(model_dir.iterdir()):
                zf.write(path, f"{top}/model/{path.name}")
    return out


def _sentencepiece_vocab(texts: list[str], shape: ModelShape
                         ) -> tuple[str, bytes, list[str], list[str] | None]:
    import sentencepiece as spm

    sp_bytes = train_sentencepiece(texts, shape.vocab_size)
    sp = spm.SentencePieceProcessor(model_proto=sp_bytes)
    vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    target = None
    if shape.english_target:
        target = [p for i, p in enumerate(vocab)
                  if sp.is_control(i) or sp.is_unknown(i) or not _ARABIC.search(p)]
    return "sentencepiece.model", sp_bytes, vocab, target


def _bpe_vocab(texts: list[str], shape: ModelShape, from_code: str, to_code: str
               ) -> tuple[str, bytes, list[str], list[str] | None]:
    from .bpekit import learn_bpe, segment, vocabulary

    codes = learn_bpe(texts, shape.vocab_size, from_code)
    vocab = vocabulary(segment(codes, texts, from_code))
    target = None
    if shape.english_target:
        english = vocabulary(segment(codes, SAMPLE_ENGLISH, to_code))
        target = [p for p in english if not _ARABIC.search(p)]
    return "bpe.model", codes.encode("utf-8"), vocab, target


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m briefings.modelkit",
                                description="Build a random-weight Argos package for tests.")
    p.add_argument("out", help="the .argosmodel file to write")
    p.add_argument("texts", nargs="+", help="UTF-8 text files to train the tokenizer on")
    p.add_argument("--bpe", action="store_true", help="bpe.model instead of sentencepiece")
    p.add_argument("--target-prefix", default="", help="a token the decoder starts with")
    p.add_argument("--version", default="0.0.1", help="package_version")
    args = p.parse_args(argv)
    texts = [line for f in args.texts
             for line in Path(f).read_text(encoding="utf-8").splitlines()]
    # English-only target pieces, so the (random) output reads as English words; </s>
    # favoured, so it ends early (disfavoured after a target prefix, a token new to the
    # random decoder, which would end right after it)
    shape = ModelShape(eos_bias=-1.0 if args.target_prefix else 2.0, english_target=True)
    print(build_package(Path(args.out), texts, shape, version=args.version,
                        tokenizer="bpe" if args.bpe else "sentencepiece",
                        target_prefix=args.target_prefix))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
