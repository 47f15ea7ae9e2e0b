"""`briefings dry-run --format json` and `briefings digest --dry-run --format json`: one JSON
object on stdout, with the documented schema, with and without a translation model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from briefings.cli import main

from .builders import SEEDS, ConfigFactory, install_tiny, write_day


def check_schema(doc: dict[str, Any], translated: bool) -> None:
    assert set(doc) == {"title", "generated_at", "stories", "repeated_stories"}
    assert isinstance(doc["title"], str) and doc["generated_at"].endswith("+00:00")
    assert doc["stories"]
    for story in doc["stories"]:
        assert {"id", "title", "articles", "bullets"} <= set(story)
        assert isinstance(story["id"], int)
        assert set(story["title"]) == {"ar", "en"} and story["title"]["ar"]
        assert (story["title"]["en"] is not None) == translated
        urls = set()
        for art in story["articles"]:
            assert {"id", "url", "outlet", "headline", "published_at"} <= set(art)
            assert art["published_at"].endswith("+00:00") and art["outlet"] and art["headline"]
            urls.add(art["url"])
        assert story["bullets"]
        for b in story["bullets"]:
            assert set(b) == {"ar", "en", "url", "position"}
            assert b["ar"] and isinstance(b["position"], int) and b["position"] >= 1
            assert (isinstance(b["en"], str) and b["en"]) if translated else b["en"] is None
            assert b["url"] in urls  # the cited article is one of the story's


def test_dry_run_json_without_model(write_config: ConfigFactory,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dry-run", "--config", str(write_config()), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)  # stdout is the JSON object and nothing else
    check_schema(doc, translated=False)
    assert "No ar->en translation model" in err and "ingest:" in err
    assert "(Arabic; Azzaman · " in err  # the ingest report names outlets and dates too
    (story,) = doc["stories"]
    assert {a["outlet"] for a in story["articles"]} == {"Azzaman", "Akhbar Al Arab"}
    assert {a["outlet_ar"] for a in story["articles"]} == {"الزمان", "أخبار العرب"}
    # folder articles have no link: their file's location
    assert {Path(a["url"]).parent for a in story["articles"]} == {SEEDS}
    # and the digest of what is stored gives the same stories
    assert main(["digest", "--dry-run", "--config", str(write_config()),
                 "--format", "json"]) == 0
    again = json.loads(capsys.readouterr().out)
    check_schema(again, translated=False)
    assert [s["bullets"] for s in again["stories"]] == [s["bullets"] for s in doc["stories"]]


def test_json_with_model(tiny_model: Path, write_config: ConfigFactory,
                         capsys: pytest.CaptureFixture[str]) -> None:
    install_tiny(tiny_model)
    capsys.readouterr()
    path = write_config()
    assert main(["dry-run", "--config", str(path), "--format", "json", "--summary-only"]) == 0
    doc = json.loads(capsys.readouterr().out)
    check_schema(doc, translated=True)
    assert main(["digest", "--dry-run", "--config", str(path), "--format", "json"]) == 0
    check_schema(json.loads(capsys.readouterr().out), translated=True)


def test_json_keeps_links_and_dates_of_feed_like_items(write_config: ConfigFactory,
                                                      tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    folder = tmp_path / "json"
    body = ("أعلنت وزارة الصحة افتتاح مستشفى جديد في مدينة أبها بسعة مئتي سرير أمس. "
            "وقال المتحدث إن المستشفى سيخدم سكان المنطقة الجنوبية.")
    items = [{"source": o, "url": f"https://{o}.test/a/{i}", "title": f"افتتاح مستشفى أبها {i}",
              "content": body.replace("أمس", ["أمس", "اليوم"][i]),
              "date_extracted": "2015-07-23 08:15:00"}
             for i, o in enumerate(["sabq", "okaz"])]
    write_day(folder, items)
    path = write_config(sources=[{"name": "day", "type": "folder", "path": str(folder)}],
                        digest={"window_hours": 24 * 365 * 30})
    assert main(["dry-run", "--config", str(path), "--format", "json", "--summary-only"]) == 0
    doc = json.loads(capsys.readouterr().out)
    check_schema(doc, translated=False)
    arts = [a for s in doc["stories"] for a in s["articles"]]
    assert {a["url"] for a in arts} == {"https://sabq.test/a/0", "https://okaz.test/a/1"}
    assert {a["outlet"] for a in arts} == {"Sabq", "Okaz"}
    assert {a["published_at"] for a in arts} == {"2015-07-23T08:15:00+00:00"}
