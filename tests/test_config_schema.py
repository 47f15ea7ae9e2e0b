"""The pydantic schema (issue 9) says what the hand-written checks said, word for word, and
holds in code too."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from briefings import config

SAME_AS_BEFORE = [  # messages of the hand-written validation before issue 9
    ({"ingest": {"latin_ratio": 2}}, "ingest.latin_ratio: expected a number between 0 and 1, "
                                     "got 2.0"),
    ({"ingest": {"min_chars": 5.0}}, "ingest.min_chars: expected a whole number, got 5.0"),
    ({"ingest": {"outlets": {"x": {"ar": 5}}}}, "ingest.outlets.x: expected text or a "
                                                "mapping, got {'ar': 5}"),
    ({"ingest": {1: 2}}, "ingest.1: unknown key (expected one of: boilerplate, "
                         "fetch_timeout, full_text_below, headline_only, latin_ratio, "
                         "learn_boilerplate, learn_min_articles, learn_share, learn_window, "
                         "max_chars, max_fetch_bytes, max_json_bytes, min_chars, outlets, "
                         "user_agent)"),
    ({"base_dir": "/"}, "base_dir: unknown key"),
    ({"sources": [None]}, "sources[0].name: is required"),
    ({"sources": [{"name": "a", "type": "folder", "path": "p"},
                  {"name": "a", "type": "folder", "path": "q"}]},
     "sources[1].name: duplicate source name 'a'"),
    ({"summarize": {"story_time_scale_hours": float("inf")}},
     "summarize.story_time_scale_hours: expected a number between 0 and 8.76e+06, got inf"),
    ({"telegram": {"base_url": 5}}, "telegram.base_url: expected text or null, got 5"),
    ({"telegram": {"admins": [1, -1]}}, "telegram.admins[1]: expected a user id (a positive "
                                        "whole number), got -1"),
    ({"store": {"path": " "}}, "store.path: expected a path, or null for the default; got ' '"),
    ([1], "(top level): expected a mapping, got [1]"),
]


@pytest.mark.parametrize(("data", "message"), SAME_AS_BEFORE, ids=[m.split(":")[0]
                                                                    for _, m in SAME_AS_BEFORE])
def test_messages_are_the_hand_written_ones(data: object, message: str, tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError) as info:
        config.from_mapping(data, tmp_path)
    assert str(info.value).startswith(f"config: {message}")


def test_empty_sections_and_python_names_as_before(tmp_path: Path) -> None:
    cfg = config.from_mapping({"ingest": None, "translate": {"from_code": "en", "to": "ar"}},
                              tmp_path)
    assert cfg.ingest == config.IngestConfig() and cfg.translate.from_code == "en"
    assert cfg.base_dir == tmp_path


def test_the_limits_hold_in_code_too() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        dataclasses.replace(config.IngestConfig(), min_chars=0)
    assert dataclasses.replace(config.SummarizeConfig(), sentences=2).sentences == 2


def test_ctranslate2_is_imported_only_to_check_a_compute_type(tmp_path: Path) -> None:
    code = ("import sys\nfrom briefings import config\n"
            "config.from_mapping({'translate': {'compute_type': sys.argv[1]}})\n"
            "print('ctranslate2' in sys.modules)")
    for compute_type, imported in (("auto", "False"), ("int8", "True")):
        done = subprocess.run([sys.executable, "-c", code, compute_type], capture_output=True,
                              text=True, check=True, timeout=120, cwd=tmp_path)
        assert done.stdout.strip() == imported, (compute_type, done.stderr)
