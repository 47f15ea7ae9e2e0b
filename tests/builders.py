"""Test data in one place: articles and sentences, day files (JSON and zip), folder sources,
configs, stores with content, the tiny real model installed, feeds and pages read from
tests/fixtures. Fixtures (pytest's) stay in conftest; these are plain functions."""

from __future__ import annotations

import json
import random
import shutil
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from string import Template
from typing import Any, TypeVar

import yaml

from briefings import config
from briefings.modelkit import ModelShape
from briefings.models import Article, CleanArticle, Sentence
from briefings.packages import find, packages_dir
from briefings.store import Store
from briefings.text import content_hash
from briefings.translate import forget_loaded

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED_DATA = ROOT.parent / "shared" / "data" / "saudinewsnet"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Small enough to build in a second, big enough to be a real encoder-decoder.
TINY = ModelShape(layers=2, d_model=32, ffn=64, heads=2, vocab_size=300, eos_bias=2.0,
                  english_target=True)
TEST_MAX_DECODING = 24
NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
# two sentences of news, the paragraph the feed and page fixtures are made of
BODY = ("قال مسؤولون إن اشتباكات نشبت بين القوات المحلية والمسلحين شرقي المدينة أمس. "
        "وأضاف متحدث أن القوات تستعد للتقدم نحو المدينة في الأيام المقبلة بعد وصول تعزيزات.")

ConfigFactory = Callable[..., Path]
T = TypeVar("T")


def present(value: T | None) -> T:
    """``value``, asserted to be there (a stored row, a scheduled time...)."""
    assert value is not None
    return value


# -- articles and sentences, as the store gives them back --

def article(i: int, headline: str = "عنوان", *, url: str | None = None,
            outlet: str | None = None, source: str = "src", location: str | None = None,
            published: datetime | None = None) -> Article:
    return Article(id=i, source=source, location=location or f"inbox/{i}.txt", url=url,
                   outlet=outlet or f"Outlet {i}", headline=headline, language="ar",
                   ingested_at=NOW, published=published)


def sentences(article_id: int, texts: list[str], headline: str = "عنوان") -> list[Sentence]:
    """An untranslated article: the headline at position 0, then ``texts``."""
    return [Sentence(id=article_id * 1000 + p, article_id=article_id, position=p, text_src=t,
                     text_en=None, status="pending")
            for p, t in enumerate([headline, *texts])]


def translated(article_id: int, texts_en: list[str], done: bool = True) -> list[Sentence]:
    """An article whose sentences are ``texts_en`` in English (or still pending)."""
    return [Sentence(id=article_id * 1000 + p, article_id=article_id, position=p,
                     text_src=f"جملة {p}", text_en=t if done else None,
                     status="translated" if done else "pending")
            for p, t in enumerate(texts_en)]


NILE = "لقي 21 شخصا مصرعهم إثر غرق مركب في نهر النيل بمنطقة الوراق في القاهرة."


def clean_article(outlet: str, url: str, body: str = NILE,
                  headline: str = "غرق مركب في النيل") -> CleanArticle:
    """An article as ingest hands it to ``Store.add_article``."""
    return CleanArticle(source="s", location=url, url=url, headline=headline,
                        sentences=(body,), language="ar", content_hash=content_hash(body),
                        outlet=outlet, byline=None, dateline=None, published=None,
                        truncated=False)


# -- day files: SaudiNewsNet-style JSON lists, alone or zipped --

def day_item(outlet: str, url: str, title: str, content: str,
             date_extracted: str | None = "2015-07-23 08:00:00") -> dict[str, Any]:
    item = {"source": outlet, "url": url, "title": title, "content": content}
    if date_extracted is not None:
        item["date_extracted"] = date_extracted
    return item


def write_day(folder: Path, items: list[Any], name: str = "day.json") -> Path:
    """``items`` as one JSON day file in ``folder`` (made if needed); the file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return path


def zip_day(day: Path, zipped: Path, name: str) -> Path:
    """A day file packed as ``name`` in the zip ``zipped``, as SaudiNewsNet ships them."""
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.write(day, name)
    return zipped


ANSWERS = FIXTURES / "answers"
ANSWERS_URL = "http://example.sa/news/"


def answers_day(folder: Path, names: list[str] | None = None) -> Path:
    """The hand-written answer articles (tests/fixtures/answers) as one day file in
    ``folder``; ``names`` picks some of them by file stem."""
    items = []
    for path in sorted(ANSWERS.glob("*.txt")):
        if names is not None and path.stem not in names:
            continue
        headline, _, body = path.read_text(encoding="utf-8").partition("\n")
        items.append(day_item("news", ANSWERS_URL + path.stem, headline, body,
                              "2015-07-23 10:00:00"))
    write_day(folder, items)
    return folder


def answers_config(folder: Path, **answer: Any) -> dict[str, Any]:
    """write_config() arguments: the answers day as the only source, ``answer`` options."""
    return {"sources": [{"name": "news", "type": "folder", "path": str(folder)}],
            "answer": answer}


# -- folder sources --

def folder_of(folder: Path, files: dict[str, str]) -> Path:
    """A folder holding ``files`` (name -> UTF-8 text)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def folder_source(name: str, folder: Path) -> config.SourceConfig:
    return config.SourceConfig(name=name, type="folder", path=str(folder))


def synthetic_articles(folder: Path, n: int, sentences: int = 6) -> None:
    """n unrelated Arabic articles: each draws on its own slice of the seed vocabulary."""
    words = sorted({w for f in SEEDS.glob("*.txt") for w in f.read_text("utf-8").split()
                    if w.isalpha() and len(w) > 3})
    rng = random.Random(7)
    rng.shuffle(words)
    size = len(words) // n
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        vocab = words[i * size:(i + 1) * size]
        lines = [" ".join(rng.sample(vocab, 5))]
        lines += [" ".join(rng.choices(vocab, k=12)) + "." for _ in range(sentences)]
        (folder / f"a{i:02}.txt").write_text("\n".join(lines), encoding="utf-8")


def repetitive_articles(folder: Path, n: int) -> None:
    """n long articles of 30 sentences, all drawn from one short statement's words."""
    words = ("قال الوزير إن الحكومة ستعمل على تحسين الخدمات في المدينة خلال الأسابيع المقبلة "
             "بعد اجتماع مع ممثلي السكان والنقابات والغرف التجارية").split()
    rng = random.Random(7)
    folder.mkdir()
    for i in range(n):
        lines = [" ".join(rng.sample(words, 6))]
        lines += [" ".join(rng.choices(words, k=15)) + "." for _ in range(30)]
        (folder / f"a{i:02}.txt").write_text("\n".join(lines), encoding="utf-8")


# -- configs and stores --

def write_config(path: Path, sources: list[dict[str, Any]] | None = None,
                 **sections: dict[str, Any]) -> Path:
    """A config.yaml at ``path``: defaults, test-sized translation, the seeds as the source
    unless ``sources`` are given, and ``sections`` merged in."""
    data: dict[str, Any] = {
        "sources": sources if sources is not None else
        [{"name": "seeds", "type": "folder", "path": str(SEEDS)}],
        "translate": {"max_decoding_length": TEST_MAX_DECODING, "beam_size": 1},
    }
    for key, value in sections.items():
        data.setdefault(key, {}).update(value)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def feed_config(write: ConfigFactory, url: str, **ingest: object) -> config.Config:
    """The config of one RSS source named "feed" at ``url``, with ``ingest`` options."""
    return config.load(write([{"name": "feed", "type": "rss", "url": url}], ingest=ingest))


def feed_store(write: ConfigFactory, url: str, **ingest: object
               ) -> tuple[config.Config, Store]:
    """feed_config (a 5 s fetch timeout unless given) and its empty store."""
    cfg = feed_config(write, url, **{"fetch_timeout": 5, **ingest})
    return cfg, Store(cfg.db_path)


# -- the tiny real model --

_INSTALLED: dict[Path, Path] = {}


def install_tiny(tiny_model: Path) -> None:
    """The tiny model installed in this test's packages dir: the first time in the session
    (and over an installed copy) through `briefings models install`, then as a copy of that
    installed package (the same files and message, without the trial translation's second)."""
    from briefings.cli import main

    done = _INSTALLED.get(tiny_model)
    if done is None or (packages_dir() / done.name).exists():
        assert main(["models", "install", str(tiny_model)]) == 0
        pkg = find(packages_dir(), "ar", "en")
        if done is None:
            done = (tiny_model.parent.parent / f"{tiny_model.parent.name}-installed" /
                    pkg.path.name)
            shutil.copytree(pkg.path, done)
            _INSTALLED[tiny_model] = done
    else:
        shutil.copytree(done, packages_dir() / done.name)
        pkg = find(packages_dir(), "ar", "en")
        print(f"installed {pkg.from_code}->{pkg.to_code} {pkg.version} at {pkg.path}")
    forget_loaded()


# -- feeds and pages: tests/fixtures/feeds and tests/fixtures/pages --

def fixture(name: str, **values: object) -> str:
    """The fixture file ``name`` (under tests/fixtures) with its ${placeholders} filled in."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return Template(text).substitute({k: str(v) for k, v in values.items()})


def rss(*items: str, encoding: str = "utf-8", title: str = "الزمان",
        link: str = "http://example.invalid/", description: str = "") -> str:
    """An RSS 2.0 feed of ``items`` (feeds/channel.xml); no encoding declared if empty."""
    decl = f' encoding="{encoding}"' if encoding else ""
    about = f"<description>{description}</description>" if description else ""
    return fixture("feeds/channel.xml", decl=decl, title=title, link=link,
                   description=about, items="".join(items)).rstrip("\n")


def item(title: str, link: str, body: str = "مقدمة قصيرة...") -> str:
    """One RSS item (feeds/item.xml), its description as CDATA."""
    return fixture("feeds/item.xml", title=title, link=link, body=body).rstrip("\n")


def page(text: str, title: str = "خبر") -> str:
    """An article page (pages/article.html) with ``text`` as its article body."""
    return fixture("pages/article.html", title=title, text=text).rstrip("\n")
