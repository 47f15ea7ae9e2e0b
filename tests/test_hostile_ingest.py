"""Hostile items never stop ingestion: each is reported with its reason and skipped, and
every other item of the source, and every other source, is still read."""

from __future__ import annotations

import copy
import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefings import config, folders, sources
from briefings.cli import main
from briefings.fetch import size_text
from briefings.ingest import Cleaner, ingest
from briefings.models import RawArticle
from briefings.store import Store

from .builders import BODY, SEEDS, ConfigFactory, folder_of, rss
from .fakes.web import WebServer

GOOD = ("أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في مدينة جدة بسعة خمسمئة سرير. "
        "وقال الوزير إن المستشفى سيخدم سكان المنطقة الغربية ويضم أقساما تخصصية حديثة.")


def _two_sources(write_config: ConfigFactory, bad: Path, good: Path, **sections: dict
                 ) -> config.Config:
    return config.load(write_config(sources=[
        {"name": "bad", "type": "folder", "path": str(bad)},
        {"name": "good", "type": "folder", "path": str(good)}], **sections))


@pytest.mark.parametrize("text", [
    "#\n\n" + "-" * 100 + "\n",           # a markdown-ish headline, no letters in the body
    "=\n\n😀😀😀 🎉🎉 👍\n",                 # emoji only
    "#\n",                                 # a headline and nothing else
])
def test_letterless_article_is_skipped_and_the_rest_goes_on(
        text: str, write_config: ConfigFactory, tmp_path: Path) -> None:
    bad = folder_of(tmp_path / "bad", {"a.txt": text, "b.txt": f"خبر جيد\n{GOOD}\n"})
    good = folder_of(tmp_path / "good", {"c.txt": f"خبر آخر\n{GOOD} {GOOD}\n"})
    cfg = _two_sources(write_config, bad, good)
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert len(report.added) == 2  # b.txt after the bad file, and the second source
    assert [line.split(": ", 1)[0] for line in report.skipped] == [str(bad / "a.txt")]
    assert "empty article (no letters" in report.skipped[0]
    health = {r.name: r for r in store.sources_health()}
    assert health["bad"].items_skipped == 1 and "a.txt" in (health["bad"].last_problem or "")
    assert health["bad"].last_error is None and health["good"].items_skipped == 0


def test_blank_file_with_min_chars_zero_does_not_crash(cfg: config.Config, store: Store
                                                       ) -> None:
    # Config validation refuses min_chars 0; the cleaner stands on its own anyway.
    # The schema refuses it in code too (dataclasses.replace validates), so go past it.
    ingest = copy.copy(cfg.ingest)
    object.__setattr__(ingest, "min_chars", 0)
    cfg = dataclasses.replace(cfg, ingest=ingest)
    cleaner = Cleaner(cfg)
    for text in ("", "   \n\n  ", "#", "--- ... ---"):
        result = cleaner.clean(RawArticle(source="s", location="x.txt", text=text), None)
        assert isinstance(result, str), text


def test_json_dates_out_of_range_and_bad_elements(write_config: ConfigFactory, tmp_path: Path
                                                  ) -> None:
    items = [
        {"title": "تاريخ بعيد", "content": GOOD, "url": "http://example.com/1",
         "date": "9999-12-31T23:59:59-12:00"},
        17, None, ["not", "an", "object"],
        {"title": "عنوان", "content": GOOD + " " + GOOD, "url": "http://example.com/2",
         "date": "2015-07-23T10:00:00+03:00"},
        {"title": {"nested": 1}, "content": ["a list"], "url": 5},
    ]
    bad = folder_of(tmp_path / "bad", {"day.json": json.dumps(items, ensure_ascii=False)})
    good = folder_of(tmp_path / "good", {"c.txt": f"خبر آخر\n{GOOD} وتفاصيل أخرى.\n"})
    cfg = _two_sources(write_config, bad, good)
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    arts = {a.url: a for a in store.articles(report.added)}
    assert set(arts) == {"http://example.com/1", "http://example.com/2", None}
    assert arts["http://example.com/1"].published is None  # unknown, not year 9999
    assert arts["http://example.com/2"].published is not None
    assert arts["http://example.com/2"].published.isoformat() == "2015-07-23T07:00:00+00:00"
    assert len(report.skipped) == 4  # 17, None, the list, the empty object


def test_hostile_feed_entries_are_skipped(web: WebServer, write_config: ConfigFactory,
                                          tmp_path: Path) -> None:
    long_body = f"<p>{BODY}</p>" * 6
    items = (
        # an emoji-only entry with a markdown-ish title
        f"<item><title>#</title><link>{web.url}/a</link>"
        f"<description>{'😀🎉 ' * 300}</description></item>"
        # 10000-01-01 in UTC: feedparser parses it, Python's datetime cannot hold it
        f"<item><title>من المستقبل</title><link>{web.url}/b</link>"
        f"<pubDate>9999-12-31T23:59:59-12:00</pubDate>"
        f"<description><![CDATA[{long_body}]]></description></item>"
        f"<item><title>خبر عادي</title><link>{web.url}/c</link>"
        f"<pubDate>Tue, 10 May 2016 08:00:00 GMT</pubDate>"
        f"<description><![CDATA[{long_body.replace('أمس', 'اليوم')}]]></description></item>"
    )
    web.serve("/feed", "application/rss+xml", rss(items, link=web.url))
    web.serve("/a", "text/html", "<html><body><p>🎉</p></body></html>")
    good = folder_of(tmp_path / "good", {"c.txt": f"خبر آخر\n{GOOD}\n"})
    cfg = config.load(write_config(sources=[
        {"name": "feed", "type": "rss", "url": f"{web.url}/feed"},
        {"name": "good", "type": "folder", "path": str(good)}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    arts = {a.url: a for a in store.articles(report.added)}
    assert set(arts) == {f"{web.url}/b", f"{web.url}/c", None}
    assert arts[f"{web.url}/b"].published is None
    assert arts[f"{web.url}/c"].published is not None
    assert any(line.startswith(f"{web.url}/a: skipped") for line in report.skipped)
    assert not report.failed_sources


def test_a_source_that_raises_anything_is_recorded_and_the_others_go_on(
        cfg: config.Config, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefings import ingest as ingest_mod

    real = ingest_mod.read_folder

    def broken_for_one(source: str, folder: Path, problems: object,
                       **limits: int) -> Iterator[RawArticle]:
        if source == "broken":
            raise RuntimeError("disk went away")
        return real(source, folder, problems, **limits)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_mod, "read_folder", broken_for_one)
    sources = [config.SourceConfig(name="broken", type="folder", path=str(tmp_path)),
               config.SourceConfig(name="seeds", type="folder", path=str(SEEDS))]
    report = ingest(cfg, store, sources)
    assert len(report.added) == 2
    assert report.failed_sources == ["source 'broken': RuntimeError: disk went away"]
    health = {r.name: r for r in store.sources_health()}
    assert "disk went away" in (health["broken"].last_error or "")


def test_store_faults_are_not_swallowed_as_item_problems(
        cfg: config.Config, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "add_article", full)
    with pytest.raises(sqlite3.OperationalError):
        ingest(cfg, store)


def test_hostile_file_names_are_printed_escaped(write_config: ConfigFactory, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    names = ["evil\nINFO fake log line.txt", "clear\x1b[2J.txt", "gpj\u202etxt.txt"]
    folder = folder_of(tmp_path / "src", {name: "#\n" + "-" * 50 for name in names})
    (folder / "ok.txt").write_text(f"خبر جيد\n{GOOD}\n", encoding="utf-8")
    assert main(["--config", str(write_config()), "ingest", "--source", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u202e" not in err
    assert "\nINFO fake log line" not in err
    assert "evil\\nINFO fake log line.txt" in err and "clear\\x1b[2J.txt" in err
    assert "gpj\\u202etxt.txt" in err
    assert "1 new" in err


def test_folder_walk_links_depth_and_odd_names(write_config: ConfigFactory, tmp_path: Path
                                                ) -> None:
    import os

    folder = folder_of(tmp_path / "inbox", {"good.txt": f"خبر جيد\n{GOOD}\n"})
    secret = tmp_path / "secret.txt"
    secret.write_text(f"سر\n{GOOD} {GOOD}\n", encoding="utf-8")
    (folder / "leak.txt").symlink_to(secret)  # a link out of the folder is not read
    (folder / "inside.txt").symlink_to(folder / "good.txt")  # a link inside is fine
    deep = folder
    for i in range(40):  # deeper than MAX_DEPTH: reported, and the rest is still read
        deep = deep / f"d{i}"
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text(f"عميق\n{GOOD}\n", encoding="utf-8")
    odd = os.fsencode(folder) + b"/bad\xff.txt"  # not valid UTF-8
    with open(odd, "wb") as f:
        f.write(f"اسم غريب\n{GOOD} وتفاصيل مختلفة.\n".encode())
    one_line = " ".join([GOOD] * 3)  # an article that lost its line breaks
    (folder / "one_line.txt").write_text(one_line, encoding="utf-8")
    cfg = config.load(write_config(sources=[{"name": "inbox", "type": "folder",
                                             "path": str(folder)}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    stored = {Path(a.location).name: a for a in store.articles(report.added)}
    assert "bad\\xff.txt" in stored and "one_line.txt" in stored and "good.txt" in stored
    assert "leak.txt" not in stored and "deep.txt" not in stored
    assert stored["one_line.txt"].headline.startswith("أعلنت وزارة الصحة")
    assert any("leak.txt: skipped: a link to a file outside" in line for line in report.skipped)
    assert any("folder levels deep" in line for line in report.skipped)


def test_empty_feed_and_markup_in_titles(web: WebServer, write_config: ConfigFactory) -> None:
    long_body = f"<p>{BODY}</p>" * 6
    items = (f"<item><title>&lt;b&gt;عنوان&lt;/b&gt; &amp;amp; خبر</title>"
             f"<link>{web.url}/x</link><description><![CDATA[{long_body}]]></description>"
             f"</item>")
    web.serve("/feed", "application/rss+xml", rss(items, link=web.url))
    web.serve("/empty", "application/rss+xml", "")
    cfg = config.load(write_config(sources=[
        {"name": "empty", "type": "rss", "url": f"{web.url}/empty"},
        {"name": "feed", "type": "rss", "url": f"{web.url}/feed"}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert [a.headline for a in store.articles(report.added)] == ["عنوان & خبر"]
    assert report.failed_sources and "empty response" in report.failed_sources[0]
    health = {r.name: r for r in store.sources_health()}
    assert "empty response" in (health["empty"].last_error or "")


def test_an_undated_page_gets_no_guessed_date(tmp_path: Path) -> None:
    from briefings.sources import article_from_html

    html = ("<html><head><title>خبر</title></head><body><article><p>"
            + f"{GOOD} " * 5 + "</p><p>2014</p></article></body></html>")
    assert article_from_html("s", "x.html", html).published is None


def test_a_page_with_too_little_text_is_backed_off(web: WebServer,
                                                    write_config: ConfigFactory) -> None:
    items = (f"<item><title>خبر قصير</title><link>{web.url}/short</link>"
             f"<description>تشويق</description></item>")
    web.serve("/feed", "application/rss+xml", rss(items, link=web.url))
    web.serve("/short", "text/html", "<html><body><article><p>جملة قصيرة جدا."
                              "</p></article></body></html>")
    cfg = config.load(write_config(sources=[{"name": "feed", "type": "rss",
                                             "url": f"{web.url}/feed"}]))
    store = Store(cfg.db_path)
    first = ingest(cfg, store)
    assert any("too little text" in line for line in first.skipped)
    ingest(cfg, store)
    assert web.requests.count("/short") == 1  # not fetched every poll


def test_a_named_pipe_in_the_folder_is_reported_and_never_opened(
        write_config: ConfigFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import threading

    folder = folder_of(tmp_path / "inbox", {"good.txt": f"خبر جيد\n{GOOD}\n"})
    fifo = folder / "pipe.txt"
    os.mkfifo(fifo)
    opened = threading.Event()

    def writer() -> None:  # if the reader opened the pipe, it would get an empty file, not hang
        with open(fifo, "wb"):
            opened.set()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    cfg = config.load(write_config(sources=[{"name": "inbox", "type": "folder",
                                             "path": str(folder)}]))
    report = ingest(cfg, Store(cfg.db_path))
    assert report.skipped == [f"{fifo}: skipped: not a regular file (a named pipe)"]
    assert len(report.added) == 1
    # a pipe put in place of a file after the folder was listed: not opened for reading either
    monkeypatch.setattr(folders, "_files", lambda folder, problems: [fifo])
    problems = sources.Problems()
    real_open, tried = os.open, []

    def recording_open(path: str | Path, flags: int, *args: int) -> int:
        tried.append(Path(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", recording_open)
    assert list(folders.read_folder("inbox", folder, problems, max_chars=20_000,
                                     max_bytes=10_000_000, max_json_bytes=10_000_000)) == []
    monkeypatch.setattr(os, "open", real_open)
    assert problems.lines == [f"{fifo}: skipped: not a regular file (a named pipe)"]
    assert fifo not in tried and not opened.is_set()
    os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # lets the writer go
    thread.join()


def test_folder_files_are_read_only_as_far_as_the_article_can_be_stored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A huge .txt is not read whole (200 MB took 988 MB of memory) for max_chars of it: at
    most 4 bytes per character are read, cut at a line break, and the report says so. A
    .json file of many articles is read whole up to its own cap, and skipped above it (a
    cut would break it)."""
    import codecs
    import os

    line = f"{GOOD}\n"
    folder = folder_of(tmp_path / "inbox", {"big.txt": f"خبر طويل\n{line * 2000}",
                                            "small.txt": f"خبر قصير\n{line}",
                                            "page.html": "<p>" + line * 2000 + "</p>",
                                            "day.json": json.dumps([{"title": "خبر",
                                                                     "content": line}] * 50),
                                            "week.json": json.dumps([{"title": "خبر",
                                                                      "content": line}] * 500)})
    (folder / "utf16.md").write_bytes(codecs.BOM_UTF16_LE + f"خبر\n{line * 500}"
                                      .encode("utf-16-le"))
    read: dict[str, int] = {}  # bytes read, by file
    opened: dict[int, str] = {}
    real_open, real_read = os.open, os.read

    def recording_open(path: str | Path, flags: int, *args: int) -> int:
        fd = real_open(path, flags, *args)
        opened[fd] = Path(path).name
        return fd

    def counting_read(fd: int, n: int) -> bytes:
        chunk = real_read(fd, n)
        read[opened[fd]] = read.get(opened[fd], 0) + len(chunk)
        return chunk

    monkeypatch.setattr(os, "open", recording_open)
    monkeypatch.setattr(os, "read", counting_read)
    problems = sources.Problems()
    arts = {Path(a.location).name: a
            for a in folders.read_folder("inbox", folder, problems, max_chars=1000,
                                         max_bytes=50_000, max_json_bytes=100_000)}
    # the cap (4 × max_chars, max_bytes for a page, max_json_bytes for a .json) and one byte
    # to see more
    assert read["big.txt"] == read["utf16.md"] == 4001 and read["page.html"] == 50_001
    assert read["week.json"] == 100_001 and read["day.json"] == (folder / "day.json").stat(
        ).st_size < 100_000
    assert sum(Path(a.location).name.startswith("day.json") for a in
               folders.read_folder("inbox", folder, sources.Problems(), max_chars=1000,
                                   max_bytes=50_000, max_json_bytes=100_000)) == 50
    big, size = arts["big.txt"].text, (folder / "big.txt").stat().st_size
    assert big.startswith("خبر طويل\n" + line) and big.endswith(line) and len(big) < 4000
    assert arts["small.txt"].text == f"خبر قصير\n{line}"
    assert arts["utf16.md"].text.startswith("خبر\n" + line) and arts["utf16.md"].text.endswith(
        line)
    utf16 = codecs.BOM_UTF16_LE + arts["utf16.md"].text.encode("utf-16-le")
    assert sorted(problems.lines) == [
        f"{folder / 'big.txt'}: article cut: only its first {size_text(len(big.encode()))} "
        f"of {size_text(size)} read (4 bytes per character of ingest.max_chars)",
        f"{folder / 'page.html'}: skipped: larger than 50 kB (ingest.max_fetch_bytes): "
        f"{size_text((folder / 'page.html').stat().st_size)}",
        f"{folder / 'utf16.md'}: article cut: only its first {size_text(len(utf16))} of "
        f"{size_text((folder / 'utf16.md').stat().st_size)} read (4 bytes per character of "
        "ingest.max_chars)",
        f"{folder / 'week.json'}: skipped: larger than 100 kB (ingest.max_json_bytes): "
        f"{size_text((folder / 'week.json').stat().st_size)}"]


@pytest.mark.parametrize("bom, codec", [
    (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"", "utf-16-le"), (b"", "utf-16-be")])
def test_a_utf16_file_is_cut_between_characters_not_at_a_stray_0a_byte(
        tmp_path: Path, bom: bytes, codec: str) -> None:
    """A UTF-16 file read only up to ingest.max_chars is cut after a line break only where a
    whole code unit is one (a 0A byte of ؊ U+060A or ਊ U+0A0A is not), else between code
    units and never inside a surrogate pair (😀): the stored text is the file's own start,
    with no repair reported."""
    text = ("خبر عاجل من الرياض اليوم\n" * 3 + "قال المتحدث ؊ إن الوضع ਊ مستقر " * 6
            + "😀 خبر " * 5)
    data = bom + text.encode(codec)
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.txt").write_bytes(data)
    for max_chars in range(len(data) // 8, len(data) // 4 + 1):
        problems = sources.Problems()
        [art] = folders.read_folder("inbox", folder, problems, max_chars=max_chars,
                                    max_bytes=50_000, max_json_bytes=50_000)
        assert text.startswith(art.text) and len(art.text) > max_chars // 4, max_chars
        assert [line for line in problems.lines if "article cut" not in line] == [], max_chars


def test_ingest_reads_folder_files_as_far_as_its_configured_max_chars(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    line = f"{GOOD}\n"
    folder = folder_of(tmp_path / "inbox", {"big.txt": f"خبر طويل\n{line * 200}"})
    cfg = config.load(write_config(sources=[{"name": "f", "type": "folder",
                                             "path": str(folder)}],
                                   ingest={"max_chars": 1000}))
    report = ingest(cfg, Store(cfg.db_path))
    assert len(report.added) == 1
    assert [s for s in report.skipped if "article cut" in s and "big.txt" in s]


@pytest.mark.parametrize("field", ["url", "source", "content", "title", "author"])
def test_a_lone_surrogate_in_a_json_article_costs_that_element_at_most(
        field: str, write_config: ConfigFactory, tmp_path: Path) -> None:
    item = {"title": "عنوان الخبر", "content": GOOD, "url": "https://example.com/a",
            "source": "سبق", "author": "محمد علي"}
    item[field] = item[field][:3] + "\ud800" + item[field][3:]  # "\ud800" with no partner
    folder = folder_of(tmp_path / "f1", {"a.json": json.dumps(item),
                                         "b.txt": f"خبر آخر\n{GOOD} وتفاصيل أخرى.\n"})
    cfg = config.load(write_config(sources=[{"name": "f1", "type": "folder",
                                             "path": str(folder)}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert not report.failed_sources and store.sources_health()[0].last_error is None
    [line] = report.skipped
    assert line.startswith(f"{folder / 'a.json'}: ") and "\\ud800" in line
    if field == "url":  # no link to follow: the element goes, the other file is stored
        assert "skipped: a broken character escape" in line and len(report.added) == 1
        return
    # in text, the broken escape is dropped (as a feed's "&#xD800;" is) and the rest kept
    assert f"dropped from {'outlet' if field == 'source' else field}" in line
    assert len(report.added) == 2
    [article] = [a for a in store.articles(report.added) if a.url]
    assert article.headline == "عنوان الخبر" and article.outlet
    assert "\ud800" not in article.outlet
    assert store.sentences([article.id])[article.id][1].text_src == GOOD.split(". ")[0] + "."


def test_a_file_that_cannot_be_read_or_is_gone_is_one_plain_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the process may not read, or one deleted or replaced by a folder after the
    folder was listed, says so plainly, without the exception's name or its path twice;
    the other files are read."""
    import os

    folder = folder_of(tmp_path / "inbox", {"good.txt": f"خبر\n{GOOD}", "locked.txt": "x",
                                            "gone.txt": "x", "now-a-folder.txt": "x"})
    real_open = os.open

    def guarded(path: str | Path, flags: int, *args: int) -> int:
        if Path(path).name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", guarded)
    listed = folders._files(folder, sources.Problems())
    (folder / "gone.txt").unlink()
    (folder / "now-a-folder.txt").unlink()
    (folder / "now-a-folder.txt").mkdir()
    monkeypatch.setattr(folders, "_files", lambda *_: listed)
    problems = sources.Problems()
    arts = list(folders.read_folder("inbox", folder, problems, max_chars=1000,
                                    max_bytes=50_000, max_json_bytes=50_000))
    assert [Path(a.location).name for a in arts] == ["good.txt"]
    assert sorted(problems.lines) == [
        f"{folder / 'gone.txt'}: skipped: not readable (No such file or directory)",
        f"{folder / 'locked.txt'}: skipped: not readable (Permission denied)",
        f"{folder / 'now-a-folder.txt'}: skipped: not a regular file (a folder)"]


def test_a_markdown_hard_line_break_is_not_text(tmp_path: Path) -> None:
    folder = folder_of(tmp_path / "inbox", {"a.md": f"# عنوان الخبر\\\n\n{GOOD}\\\nسطر\n"})
    [art] = folders.read_folder("inbox", folder, sources.Problems(), max_chars=1000,
                                max_bytes=50_000, max_json_bytes=50_000)
    assert art.text == f"عنوان الخبر\n\n{GOOD}\nسطر\n"


def test_notes_on_stored_articles_are_not_counted_as_skipped(
        write_config: ConfigFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A line about an article that was stored (cut at max_chars, repaired UTF-8) is a note:
    the summary and the source's health count only the items that were not stored."""
    folder = folder_of(tmp_path / "inbox", {"big.txt": f"خبر طويل\n{(GOOD + chr(10)) * 50}",
                                            "empty.txt": "#\n"})
    (folder / "cut.txt").write_bytes(f"خبر مقطوع\n{GOOD} خبر".encode()[:-1])  # half a letter
    cfg_path = write_config(sources=[{"name": "inbox", "type": "folder", "path": str(folder)}],
                            ingest={"max_chars": 1000})
    assert main(["ingest", "--offline", "--config", str(cfg_path)]) == 0
    err = capsys.readouterr().err
    assert "ingest: 2 new, 0 already stored, 1 skipped, 0 source(s) failed, 2 note(s)" in err
    assert "cut.txt: damaged UTF-8" in err and "big.txt: article cut" in err
    [health] = Store(config.load(cfg_path).db_path).sources_health()
    assert health.items_skipped == 1


def test_a_link_that_loops_is_one_plain_line(tmp_path: Path) -> None:
    folder = folder_of(tmp_path / "inbox", {"good.txt": f"خبر\n{GOOD}"})
    (folder / "loop.txt").symlink_to("loop.txt")
    (folder / "a.txt").symlink_to("b.txt")
    (folder / "b.txt").symlink_to("a.txt")
    problems = sources.Problems()
    arts = list(folders.read_folder("inbox", folder, problems, max_chars=1000,
                                    max_bytes=50_000, max_json_bytes=50_000))
    assert [Path(a.location).name for a in arts] == ["good.txt"]
    assert sorted(problems.lines) == [f"{folder / name}: skipped: a link that loops"
                                      for name in ("a.txt", "b.txt", "loop.txt")]
