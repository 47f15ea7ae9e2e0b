"""decode(): the encodings a news file or page comes in, damaged ones included.

The table is also the measurement that chose the hand-rolled rule over
charset-normalizer (see test_hand_rolled_rule_beats_charset_normalizer).
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from briefings.cli import main
from briefings.decode import Decoded, decode, decode_bytes, html_charset
from briefings.errors import UnreadableArticle

AR = ("قال مسؤولون إن اشتباكات نشبت بين القوات المحلية والمسلحين شرقي المدينة أمس. "
      "وأضاف متحدث أن القوات تستعد للتقدم نحو المدينة في الأيام المقبلة بعد وصول تعزيزات.")
EN = ("Officials said clashes broke out between local forces and gunmen east of the city "
      "yesterday. A spokesman added that the forces were preparing to advance.")
MIXED = "عنوان الخبر: وزير الخارجية يزور لندن (Reuters)\n" + AR
SHORT = "مرحبا بالعالم"
_RANDOM = random.Random(7)
NOISE = bytes(_RANDOM.randrange(256) for _ in range(3000))


def damaged(text: str, at: set[int]) -> tuple[bytes, str]:
    """UTF-8 of ``text`` with the characters at ``at`` replaced by a bad byte; what survives."""
    data = b"".join(b"\xff" if i in at else ch.encode() for i, ch in enumerate(text))
    return data, "".join(ch for i, ch in enumerate(text) if i not in at)


ONE_BAD, ONE_BAD_TEXT = damaged(AR, {40})
THREE_BAD, THREE_BAD_TEXT = damaged(AR, {10, 70, 120})
CUT = (AR + " خبر").encode()[:-1]

# name, bytes, the text a right decoder returns (None: unreadable), whether a note is due
CASES: list[tuple[str, bytes, str | None, bool]] = [
    ("UTF-8 Arabic", AR.encode(), AR, False),
    ("UTF-8 English", EN.encode(), EN, False),
    ("UTF-8 short Arabic", SHORT.encode(), SHORT, False),
    ("UTF-8 BOM Arabic", b"\xef\xbb\xbf" + AR.encode(), AR, False),
    ("UTF-16LE BOM Arabic", b"\xff\xfe" + AR.encode("utf-16-le"), AR, False),
    ("UTF-16BE BOM Arabic", b"\xfe\xff" + AR.encode("utf-16-be"), AR, False),
    ("UTF-16LE no BOM Arabic", AR.encode("utf-16-le"), AR, False),
    ("UTF-16BE no BOM Arabic", AR.encode("utf-16-be"), AR, False),
    ("UTF-16LE no BOM English", EN.encode("utf-16-le"), EN, False),
    ("UTF-16BE no BOM English", EN.encode("utf-16-be"), EN, False),
    ("UTF-16LE no BOM short Arabic", SHORT.encode("utf-16-le"), SHORT, False),
    ("UTF-16LE BOM, cut (odd length)", b"\xff\xfe" + AR.encode("utf-16-le") + b"A", AR, True),
    ("Windows-1256 Arabic", AR.encode("cp1256"), AR, False),
    ("Windows-1256 Arabic + English", MIXED.encode("cp1256"), MIXED, False),
    ("Windows-1256 short Arabic", SHORT.encode("cp1256"), SHORT, False),
    ("UTF-8 Arabic, 1 bad byte", ONE_BAD, ONE_BAD_TEXT, True),
    ("UTF-8 Arabic, 3 bad bytes", THREE_BAD, THREE_BAD_TEXT, True),
    ("UTF-8 Arabic, cut mid-character", CUT, AR + " خب", True),
    ("UTF-8 English, cut mid-character", (EN + " \u2014").encode()[:-1], EN + " ", True),
    ("binary 0..255", bytes(range(256)) * 8, None, False),
    ("binary noise", NOISE, None, False),
    ("binary noise without NUL", NOISE.replace(b"\x00", b""), None, False),
    ("gzip of Arabic", gzip.compress(AR.encode(), mtime=0), None, False),
]


def ours(data: bytes) -> str | None:
    try:
        return decode(data, "case").text
    except UnreadableArticle:
        return None


def score(decoder: Callable[[bytes], str | None]) -> int:
    return sum(decoder(data) == want for _, data, want, _ in CASES)


@pytest.mark.parametrize(("data", "want", "noted"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_encodings_table(data: bytes, want: str | None, noted: bool) -> None:
    if want is None:
        with pytest.raises(UnreadableArticle, match="binary"):
            decode(data, "case")
        return
    found = decode(data, "case")
    assert found.text == want
    assert (found.note is not None) == noted, found.note


def test_hand_rolled_rule_beats_charset_normalizer() -> None:
    charset_normalizer = pytest.importorskip("charset_normalizer")

    def theirs(data: bytes) -> str | None:
        best = charset_normalizer.from_bytes(data).best()
        return None if best is None else str(best)

    assert score(ours) == len(CASES)
    assert score(ours) > score(theirs)


def test_notes_say_what_was_repaired() -> None:
    assert decode(ONE_BAD, "x").note == "damaged UTF-8: 1 bad byte(s) dropped in 1 place(s)"
    assert "cut inside a character at the end: the last 1 byte(s) dropped" in (
        decode(CUT, "x").note or "")
    assert decode_bytes(CUT, "x") == AR + " خب"


def test_declared_charset_is_honoured_unless_the_bytes_are_utf8() -> None:
    iso = AR.encode("iso-8859-6")
    assert iso.decode("cp1256") != AR  # without the declaration it would be misread
    assert decode(iso, "x", declared="ISO-8859-6") == decode(iso, "x", "iso-8859-6")
    assert decode(iso, "x", declared="ISO-8859-6").text == AR
    assert decode(AR.encode(), "x", declared="iso-8859-1") == Decoded(AR, "utf-8")
    # an old server default (ISO-8859-1) over a Windows-1256 page; real Latin-1 stays Latin-1
    assert decode(AR.encode("cp1256"), "x", declared="iso-8859-1").text == AR
    french = "Le ministre a visité le port, a déclaré « À bientôt » et salué l'équipe."
    assert decode(french.encode("latin-1"), "x", declared="ISO-8859-1").text == french
    assert decode(AR.encode("cp1256"), "x", declared="nonsense-charset").text == AR
    assert decode(ONE_BAD, "x", declared="utf-8").text == ONE_BAD_TEXT


def test_html_meta_charset() -> None:
    assert html_charset(b'<html><head><meta charset="windows-1256">') == "windows-1256"
    assert html_charset(b'<meta http-equiv="Content-Type" content="text/html; '
                        b'charset=ISO-8859-6"><p>x</p>') == "ISO-8859-6"
    assert html_charset(b"<html><body>no charset</body></html>") is None


def test_folder_reports_the_repair_and_stores_clean_text(
        tmp_path: Path, write_config: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    from briefings import config
    from briefings.store import Store

    folder = tmp_path / "inbox"
    folder.mkdir()
    # cut inside the last character (2 bytes in UTF-8)
    (folder / "cut.txt").write_bytes(("عنوان الخبر هنا\n" + AR + "\n" + AR + " خبر").encode()[:-1])
    (folder / "utf16.txt").write_bytes(("عنوان آخر هنا\n" + AR.replace("أمس", "اليوم") * 2)
                                       .encode("utf-16-le"))
    cfg_path = write_config(sources=[{"name": "inbox", "type": "folder", "path": str(folder)}])
    assert main(["ingest", "--config", str(cfg_path)]) == 0
    store = Store(config.load(cfg_path).db_path)
    heads = sorted(store.articles(range(1, 10)), key=lambda a: a.headline)
    assert [a.headline for a in heads] == ["عنوان آخر هنا", "عنوان الخبر هنا"]
    for art in heads:
        text = " ".join(s.text_src for s in store.sentences([art.id])[art.id])
        assert "ط§" not in text and "\ufffd" not in text
    err = capsys.readouterr().err
    assert "cut.txt: damaged UTF-8" in err and "the rest of the text is kept" in err
    assert "utf16.txt" not in err.replace("added: ", "").split("ingest:")[0].replace(
        str(folder / "utf16.txt") + " —", "")  # a clean file is added, not reported
