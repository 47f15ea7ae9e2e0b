"""Lines of outside text however long: the patterns run on whole lines and texts are linear
(each assertion below is on a 300,000-character line, which took minutes while they were
quadratic), and the boilerplate sample of an article is taken on its own."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from briefings import config
from briefings import ingest as ingest_mod
from briefings.boilerplate import dateline_head, has_link, junk_line, sample, shape
from briefings.ingest import ingest
from briefings.models import RawArticle
from briefings.store import Store
from briefings.text import normalize, split_sentences

from .builders import BODY, ConfigFactory, folder_of

N = 300_000


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """A pattern that is quadratic again takes minutes on these lines: the test fails (after
    a minute, far more than a linear pass needs) instead of holding up the suite."""
    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("still running after 60 s: a pattern is no longer linear")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("line", [
    "ب" * N,                                    # a run an address could start anywhere in
    "ب" * (N // 2) + "ب@" + "ت" * (N // 2) + ".",  # an "@" with no address around it
    "-" * N,
    "a-" * (N // 2),                            # word boundaries all along: domain starts
    "a." * (N // 2),
])
def test_addresses_are_found_in_one_pass(line: str) -> None:
    assert shape(line) == line.strip(" .-")
    assert not has_link(line)
    assert junk_line(line) == (line.strip("-") == "")


def test_a_long_run_of_title_abbreviations_is_split_in_one_pass() -> None:
    """sentencex breaks after every "د." (doctor) and "و." and the pieces are joined back:
    whether they end a sentence is read from their last words, not the whole run again."""
    run = "قال د. " * (N // 7)
    assert split_sentences(run + "محمد. وانتهى الخبر.") == [run + "محمد.", "وانتهى الخبر."]
    assert split_sentences("و. " * (N // 3)) == [("و. " * (N // 3)).strip()]
    # the last words are read whatever the spaces between them: a one-letter abbreviation
    # after a number ends a sentence ("2015 م."), after a word it does not ("قال د.")
    assert split_sentences("قال 12" + " " * N + "د. محمد") == ["قال 12 د.", "محمد"]


def test_a_long_line_still_has_its_address_found() -> None:
    line = "ب" * N + " راسلونا على news@example.com أو www.example.sa"
    assert shape(line).endswith("راسلونا على <email> أو <url>")
    assert has_link("ـ" * N + " uksacb.org/ssc9")


@pytest.mark.parametrize(("line", "found"), [
    ("x" + "\u2028" * N + "y - z", None),  # spaces (to Python's split()), then no dash
    ("x" + "\u2028" * N + "- y", (N + 4, ["x", "y"])),
    ("•" + "\u2028" * N + "x", None),       # marks and spaces, then no colon
    ("•" + "\u2028" * N + ": خبر", None),
    ("•: خبر", (3, ["•"])),                  # the mark right before the colon is the head
], ids=["spaces no dash", "spaces dash", "marks no colon", "marks colon", "mark colon"])
def test_datelines_are_read_in_one_pass(line: str, found: tuple[int, list[str]] | None
                                        ) -> None:
    assert dateline_head(line) == found


def test_a_long_tatweel_run_is_one_pass() -> None:
    assert normalize("ب" + "ـ" * N + " x") == "ب x"
    assert normalize("ب" + "ـ" * N + "23") == "ب 23"  # the tatweel kept them apart
    assert normalize("(" + "ـ" * N + "23") == "( 23"


def test_long_unbroken_lines_do_not_hold_up_ingest(write_config: ConfigFactory,
                                                   tmp_path: Path) -> None:
    line = "ب" * 9000 + "ب@" + "ت" * 9000 + "."
    files = {f"long{i}.txt": f"عنوان {i}\n{line}\n" for i in range(10)}
    folder = folder_of(tmp_path / "in", {**files, "news.txt": f"خبر\n{BODY}\n"})
    cfg = config.load(write_config(sources=[{"name": "f", "type": "folder",
                                             "path": str(folder)}]))
    report = ingest(cfg, Store(cfg.db_path))
    assert not report.failed_sources
    assert len(report.added) + len(report.skipped) + report.duplicates >= 11


def test_an_article_whose_sample_fails_is_skipped_alone(
        write_config: ConfigFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def sample_or_fail(lines: list[str]) -> frozenset[str]:
        if any("مفخخ" in line for line in lines):
            raise ValueError("cannot sample this")
        return sample(lines)

    monkeypatch.setattr(ingest_mod, "sample", sample_or_fail)
    folder = folder_of(tmp_path / "in", {"a.txt": f"خبر\n{BODY}\n",
                                         "b.txt": f"خبر مفخخ\n{BODY} مفخخ.\n",
                                         "c.txt": f"خبر ثالث\n{BODY} وتفاصيل أخرى.\n"})
    cfg = config.load(write_config(sources=[{"name": "f", "type": "folder",
                                             "path": str(folder)}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert not report.failed_sources and len(report.added) == 2
    assert report.skipped == [f"{folder / 'b.txt'}: skipped: ValueError: cannot sample this"]
    assert store.sources_health()[0].last_error is None


def test_text_sqlite_cannot_take_costs_that_article_alone(
        write_config: ConfigFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader that lets a lone surrogate through (JSON no longer does): the URL lookup and
    the boilerplate sample are that article's, not the batch's."""
    def reader(source: str, folder: Path, problems: object,
               **limits: int) -> Iterator[RawArticle]:
        yield RawArticle(source, "a", f"خبر\n{BODY}\n", url="https://example.com/\ud800")
        yield RawArticle(source, "b", f"خبر\n{BODY}\n", url="https://example.com/b",
                         outlet="سبق\udc00")
        yield RawArticle(source, "c", f"خبر\n{BODY}\n", url="https://example.com/c")

    monkeypatch.setattr(ingest_mod, "read_folder", reader)
    cfg = config.load(write_config(sources=[{"name": "f", "type": "folder",
                                             "path": str(tmp_path)}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert not report.failed_sources and len(report.added) == 1
    assert [line.split(": ", 2)[:2] for line in report.skipped] == [
        ["a", "skipped"], ["b", "skipped"]]
    assert all("UnicodeEncodeError" in line for line in report.skipped)
