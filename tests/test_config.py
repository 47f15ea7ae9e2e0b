"""Config validation: every value that would crash or misbehave later is refused at load,
with exit code 2 and one line naming the key and what is expected (issue 7, Config)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from briefings import config
from briefings.cli import main
from tests.builders import SEEDS, ConfigFactory


def run_cli(path: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    rc = main([*(argv or ("digest", "--dry-run")), "--config", str(path)])
    return rc, capsys.readouterr().err


def assert_one_line(err: str, *needles: str) -> None:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


BAD = [
    # the bullets
    ("ingest:\n  min_chars: 0\n", "ingest.min_chars", "from 1 to"),
    ("ingest:\n  min_chars: -5\n", "ingest.min_chars", "from 1 to"),
    ("ingest:\n  fetch_timeout: 0\n", "ingest.fetch_timeout", "above 0"),
    ("ingest:\n  fetch_timeout: -1.5\n", "ingest.fetch_timeout", "above 0"),
    ("digest:\n  window_hours: -1\n", "digest.window_hours", "from 1 to"),
    ("answer:\n  days: -3\n", "answer.days", "from 1 to"),
    ("schedule:\n  misfire_grace_time: -10\n", "schedule.misfire_grace_time", "from 1 to"),
    ("schedule:\n  misfire_grace_time: 0\n", "schedule.misfire_grace_time", "from 1 to"),
    ("summarize:\n  min_words: -1\n", "summarize.min_words", "from 0 to"),
    ("summarize:\n  story_window_days: -2\n", "summarize.story_window_days", "from 0 to"),
    ("ingest:\n  full_text_below: -600\n", "ingest.full_text_below", "from 0 to"),
    # beyond the issue: values that crashed or misbehaved later
    ("ingest:\n  fetch_timeout: .inf\n", "ingest.fetch_timeout", "at most 3600"),
    ("ingest:\n  fetch_timeout: .nan\n", "ingest.fetch_timeout", "above 0"),
    ("ingest:\n  max_chars: 50\n  min_chars: 80\n", "ingest.max_chars", "ingest.min_chars"),
    ("ingest:\n  max_fetch_bytes: 0\n", "ingest.max_fetch_bytes", "from 1 to"),
    ("ingest:\n  max_json_bytes: 0\n", "ingest.max_json_bytes", "from 1 to"),
    ("ingest:\n  user_agent: \"caf\\u00e9\\n\"\n", "ingest.user_agent", "printable ASCII"),
    ("ingest:\n  boilerplate: ['(unclosed']\n", "ingest.boilerplate[0]", "invalid regex"),
    ("digest:\n  max_stories: 100000000000000000000\n", "digest.max_stories", "to 1000,"),
    ("digest:\n  window_hours: 100000000000\n", "digest.window_hours", "to 8760000,"),
    ("digest:\n  title: ''\n", "digest.title", "1 to 200 characters"),
    ("translate:\n  chunk_size: 0\n", "translate.chunk_size", "from 1 to"),
    ("translate:\n  batch_size: 10000000000\n", "translate.batch_size", "to 100000,"),
    ("translate:\n  from: en\n", "translate.to", "other than translate.from"),
    ("translate:\n  to: ''\n", "translate.to", "language code"),
    ("summarize:\n  engine: bogus\n", "summarize.engine", "lexrank"),
    ("answer:\n  top: 0\n", "answer.top", "from 1 to"),
    ("schedule:\n  poll_every: 0\n", "schedule.poll_every", "from 1 to"),
    ("schedule:\n  timezone: America\n", "schedule.timezone", "IANA time zone"),
    ("schedule:\n  digest_time: 7:30\n", "schedule.digest_time", "in quotes"),
    ("telegram:\n  allowed_chats: [0]\n", "telegram.allowed_chats[0]", "non-zero"),
    ("telegram:\n  admins: [-1001234567890]\n", "telegram.admins[0]", "a positive"),
    ("telegram:\n  startup_retry_seconds: -1\n", "telegram.startup_retry_seconds", "between 0"),
    ("sources:\n  - {name: feed, type: rss, url: 'file:///etc/passwd'}\n", "sources[0].url",
     "http or https"),
    ("sources:\n  - {name: feed, type: rss, url: 'FTP://example.com/rss'}\n", "sources[0].url",
     "http or https"),
    ("sources:\n  - {name: feed, type: rss, url: 'http:///rss.xml'}\n", "sources[0].url",
     "no host"),
    ("sources:\n  - {name: feed, type: folder, path: x, url: 'http://example.com/'}\n",
     "sources[0].url", "only rss sources"),
    ("sources:\n  - {name: '', type: folder, path: x}\n", "sources[0].name", "printable"),
    ("ingest: {min_chars: 5}\ningest: {max_chars: 9000}\n", "line 2", "duplicate key 'ingest'"),
]


@pytest.mark.parametrize(("text", "key", "expected"), BAD, ids=[b[1] for b in BAD])
def test_bad_value_exits_2_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          text: str, key: str, expected: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    rc, err = run_cli(path, capsys)
    assert rc == 2
    assert_one_line(err, "error:", key, expected)


@pytest.mark.parametrize("url", [
    "127.0.0.1:8081/bot",        # no scheme: httpx's UnsupportedProtocol, 200 lines of traceback
    "http://",                   # no host
    "htp://127.0.0.1:8081/bot",  # typo in the scheme
    "http://127.0.0.1:99999/bot",  # port out of range
    "http://127.0.0.1:8081/bot?x=1",  # the token would land in the query
    "http://127.0.0.1:8081/ bot",
])
def test_malformed_base_url(tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"telegram:\n  base_url: {url!r}\n", encoding="utf-8")
    rc, err = run_cli(path, capsys)
    assert rc == 2
    assert_one_line(err, "telegram.base_url", "http(s) URL", repr(url))


def test_compute_type_checked_against_ctranslate2(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import ctranslate2

    path = tmp_path / "config.yaml"
    path.write_text("translate:\n  compute_type: float64\n", encoding="utf-8")
    rc, err = run_cli(path, capsys)
    assert rc == 2
    supported = ctranslate2.get_supported_compute_types("cpu")
    assert_one_line(err, "translate.compute_type", "float64", *supported)
    ok = sorted(supported)[0]
    path.write_text(f"translate:\n  compute_type: {ok}\n", encoding="utf-8")
    assert config.load(path).translate.compute_type == ok


def test_token_file_that_is_a_directory(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "token").mkdir()
    path = tmp_path / "config.yaml"
    path.write_text("telegram:\n  token_file: token\n", encoding="utf-8")
    rc, err = run_cli(path, capsys)
    assert rc == 2
    assert_one_line(err, "telegram.token_file", "is a directory")


def test_token_file_that_is_not_a_regular_file(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "fifo")  # opening it to read would block the bot for ever
    with pytest.raises(config.ConfigError, match=r"telegram\.token_file.*not a regular file"):
        config.from_mapping({"telegram": {"token_file": "fifo"}}, tmp_path)
    # a missing file is the bot's to report when it starts: dry runs need no token
    assert config.from_mapping({"telegram": {"token_file": "nope"}}, tmp_path)


def test_unknown_engine_is_refused_before_any_ingest(
        tmp_path: Path, write_config: ConfigFactory, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(translate={"engine": "deepl"})
    rc, err = run_cli(path, capsys, "ingest")
    assert rc == 2
    assert_one_line(err, "translate.engine", "'deepl'", "argos")
    assert not (tmp_path / "home" / "briefings.sqlite3").exists()  # nothing was read or stored


def test_store_path_that_is_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    (tmp_path / "data").mkdir()
    path = tmp_path / "config.yaml"
    path.write_text("store:\n  path: data\n", encoding="utf-8")
    rc, err = run_cli(path, capsys)
    assert rc == 2
    assert_one_line(err, "store.path", "is a directory")


@pytest.mark.parametrize("text", ["", "\n\n", "# all commented out\n# ingest:\n#   min_chars: 5\n"])
def test_empty_config_warns(tmp_path: Path, text: str, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="briefings.config"):
        cfg = config.load(path)
    assert cfg.sources[0].name == "seeds"
    assert [r.getMessage() for r in caplog.records] == [f"{path} is empty: using the defaults"]


def test_config_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes("ingest:\n  outlets: {الزمان: Azzaman}\n".encode("cp1256"))
    rc, err = run_cli(path, capsys)
    assert rc == 2
    assert_one_line(err, str(path), "not UTF-8")


def test_limits_are_inclusive_and_documented_zeroes_are_accepted(tmp_path: Path) -> None:
    cfg = config.from_mapping({
        "ingest": {"min_chars": 1, "max_chars": 1, "full_text_below": 0, "fetch_timeout": 0.1},
        "summarize": {"min_words": 0, "story_window_days": 0},
        "translate": {"intra_threads": 0},
        "digest": {"window_hours": 1},
        "answer": {"days": 365_000},  # the benchmark's "everything" window is 100000
        "store": {"keep_days": 0},  # (which needs every article kept)
        "schedule": {"misfire_grace_time": 1, "timezone": "Africa/Tripoli"},
        "telegram": {"startup_retry_seconds": 0, "base_url": "http://127.0.0.1:8081/bot",
                     "allowed_chats": [-1001234567890, 42]},
        "sources": [{"name": "feed", "type": "rss", "url": "HTTPS://example.com/rss?x=1"},
                    {"name": "folder", "type": "folder", "path": str(SEEDS)}],
    }, tmp_path)
    assert cfg.ingest.max_fetch_bytes == 10_000_000 and cfg.summarize.min_words == 0


@pytest.mark.parametrize("text", [
    "? [a, b]\n: 1\n",                     # a list as a key (unhashable): was a TypeError
    "a: " + "[" * 5000 + "]" * 5000 + "\n",  # nested 5000 deep: was a RecursionError
    "store:\n  path: \"a\x00b\"\n",         # a NUL character: the message was two lines
])
def test_hostile_yaml_is_one_line(text: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    from briefings.cli import main

    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["--config", str(path), "models", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and err.startswith("error: ")


def _alias_bomb() -> str:
    """A YAML 'billion laughs': nine levels of nine aliases, 9**9 strings once expanded."""
    lines = ["store: {path: /tmp/x.sqlite3}", "sources:",
             "  - {name: a, type: folder, path: /tmp/in}",
             "x0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]"]
    lines += [f"x{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    return "\n".join([*lines, "ingest:", "  boilerplate: *a8", ""])


@pytest.mark.parametrize(("text", "key"), [
    (_alias_bomb(), "ingest.boilerplate[0]"),
    ("ingest:\n  max_chars: " + "9" * 5000 + "\n", "(file)"),  # past Python's 4300 digits
    ("digest:\n  title: 2015-13-01\n", "(file)"),  # a date YAML reads, Python cannot hold
    ("ingest:\n  outlets:\n    ? " + "x" * 5000 + "\n    : 5\n", "ingest.outlets.'xxx"),
    ("digest:\n  title: [" + ", ".join(["'" + "y" * 1000 + "'"] * 100) + "]\n",
     "digest.title"),
], ids=["alias bomb", "5000 digits", "month 13", "long key", "long list"])
def test_an_echoed_value_is_bounded(text: str, key: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    rc, err = run_cli(path, capsys)
    assert rc == 2
    assert_one_line(err, "error:", key)
    assert len(err) < 300, err
