"""Hostile input, round 14c: what a new user hits outside the articles. A hostile
config.yaml, store file, command line or environment is one line (exit 2 for the config
and the command line, naming the key), never a traceback, a hang or a secret in output."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
import yaml

from bot.secrets import load_token
from briefings import config
from briefings.cli import main
from briefings.errors import ConfigError, TokenMissing
from briefings.store import MIGRATIONS, Store
from briefings.store import connection as store_connection

from .builders import SEEDS, ConfigFactory
from .fakes.botapi import TOKEN
from .test_store_faults import as_other_user, digest, settle, shared_dir  # noqa: F401

SECRET = TOKEN.partition(":")[2]


def one_line(err: str, *needles: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert not any(c in lines[0] for c in "\x1b\r\u202e"), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def load_text(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | bytes,
              *argv: str) -> tuple[int, str]:
    path = tmp_path / "config.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    rc, _, err = run(capsys, *(argv or ("models", "list")), "--config", str(path))
    return rc, err


# -- config.yaml -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "needles"), [
    ("store:\n\tpath: x\n", ["line 2, column 1", "'\\t'"]),
    ("store: {path: x}\n" "\"ev\\x1b[31mil\": 1\n", ["'ev\\x1b[31mil': unknown key"]),
    ("ingest:\n  \"a\\nb\": 1\n", ["ingest.'a\\nb': unknown key"]),
    ("sources:\n  - {name: a, type: folder, path: in, \"k\\u202eey\": 1}\n",
     ["sources[0].'k\\u202eey': unknown key"]),
    ("ingest:\n  max_chars: 1.0e+999\n", ["ingest.max_chars", "whole number, got inf"]),
    ("ingest:\n  max_chars: 1e999\n", ["ingest.max_chars", "got '1e999'"]),  # YAML 1.1: text
    ("ingest:\n  latin_ratio: .NaN\n", ["ingest.latin_ratio", "got nan"]),
    ("ingest:\n  learn_share: -.inf\n", ["ingest.learn_share", "got -inf"]),
    ("ingest:\n  boilerplate: !!python/object/apply:os.system ['echo pwned']\n",
     ["line 2", "python/object/apply"]),
    ("store: {path: x}\n---\nstore: {path: y}\n", ["another document"]),
    ("- a\n- b\n", ["(top level): expected a mapping"]),
    ("ingest:\n  boilerplate: &a [*a]\n", ["ingest.boilerplate[0]", "expected text"]),
    ("ingest: &a\n  outlets: *a\n", ["ingest.outlets.outlets"]),
    ("ingest:\n  yes: 1\n", ["line 2, column 3", "the key 'yes' is read as true or false"]),
    ("ingest:\n  outlets: {2020: Twenty}\n", ["the key '2020' is read as a number",
                                               "quote it"]),
    ("ingest:\n  ~: 1\n", ["the key '~' is read as null"]),
    ("ingest:\n  <<: [1, 2]\n", ["expected a mapping for merging"]),
    ("sources:\n  - {name: a, type: rss, url: 'http://example.com:0/rss'}\n",
     ["sources[0].url", "port 0"]),
    ("sources:\n  - {name: a, type: rss, url: 'http://[::1/rss'}\n",
     ["sources[0].url", "Invalid IPv6 URL"]),
    ("sources:\n  - {name: a, type: rss, url: 'http://example.com/a b'}\n",
     ["sources[0].url", "spaces"]),
    ("store: {path: \"a\\nb.sqlite3\"}\n", ["store.path", "without control characters",
                                            "'a\\nb.sqlite3'"]),
    ("sources:\n  - {name: a, type: folder, path: \"in\\x1b[2J\"}\n",
     ["sources[0].path", "without control characters"]),
    ("telegram: {token_file: \"tok\\u202en\"}\n", ["telegram.token_file", "control"]),
], ids=["tab", "ESC key", "newline key", "RLO key", "1.0e+999", "1e999", "NaN", "-inf",
        "python tag", "two documents", "a list", "self-alias list", "self-alias map",
        "yes key", "number key", "null key", "bad merge", "port 0", "broken IPv6",
        "space in url", "newline in store.path", "ESC in folder path", "RLO in token_file"])
def test_a_hostile_config_is_one_line_exit_2(text: str, needles: list[str], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    rc, err = load_text(tmp_path, capsys, text)
    assert rc == 2
    one_line(err, "error: ", *needles)


@pytest.mark.parametrize("text", [
    b"\xef\xbb\xbfsources:\n  - {name: a, type: folder, path: in}\n",  # a BOM (Notepad)
    "sources:\n  - {name: a, type: rss, url: 'http://\u043f\u0440\u0438\u043c\u0435\u0440"
    ".\u0440\u0444/rss'}\n  - {name: b, type: rss, url: 'http://[::1]:8080/rss'}\n",
], ids=["BOM", "IDN and IPv6 hosts"])
def test_what_a_config_may_hold(text: str | bytes, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    rc, err = load_text(tmp_path, capsys, text)
    assert rc == 0 and err == ""


def test_yaml_merge_keys_merge(tmp_path: Path) -> None:
    """`<<: *defaults` was refused ("could not determine a constructor for the tag merge");
    the mapping's own keys win over the merged ones, and a key written twice is still one
    error."""
    path = tmp_path / "config.yaml"
    path.write_text("sources:\n  - &feed {name: a, type: rss, url: 'http://127.0.0.1:9/a'}\n"
                    "  - <<: *feed\n    name: b\n    url: 'http://127.0.0.1:9/b'\n"
                    "ingest:\n  <<: {min_chars: 5, max_chars: 9000}\n  min_chars: 7\n",
                    encoding="utf-8")
    cfg = config.load(path)
    assert [(s.name, s.url) for s in cfg.sources] == [("a", "http://127.0.0.1:9/a"),
                                                      ("b", "http://127.0.0.1:9/b")]
    assert (cfg.ingest.min_chars, cfg.ingest.max_chars) == (7, 9000)
    path.write_text("ingest:\n  <<: {min_chars: 5}\n  min_chars: 7\n  min_chars: 8\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="duplicate key 'min_chars'"):
        config.load(path)


def test_a_50_mb_config_is_refused_before_parsing(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A 50 MB file (a log named by mistake) was parsed whole: minutes, then defaults."""
    line = b"# " + b"x" * 97 + b"\n"
    rc, err = load_text(tmp_path, capsys, line * 500_000)
    assert rc == 2
    one_line(err, "(file): larger than 2000000 bytes")


def test_ten_thousand_sources_load(tmp_path: Path) -> None:
    sources = [{"name": f"s{i}", "type": "folder", "path": f"in{i}"} for i in range(10_000)]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    assert len(config.load(path).sources) == 10_000
    sources[9_999]["name"] = "s0"
    path.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources\[9999\].name: duplicate source name"):
        config.load(path)


def _cli_process(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "briefings.cli", *argv], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_a_config_that_is_no_file_is_refused_without_waiting(kind: str, tmp_path: Path) -> None:
    """A named pipe as --config (or $BRIEFINGS_CONFIG) waited forever for a writer, and
    /dev/null (or /dev/zero: never ending) was read as a file."""
    path = tmp_path / "config.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        path = Path(os.devnull)
    proc = _cli_process("models", "list", "--config", str(path))
    assert proc.returncode == 2
    what = {"fifo": "is a named pipe", "device": "is a character device",
            "directory": "is a directory"}[kind]
    one_line(proc.stderr, str(path), what)


def test_a_config_path_with_a_newline_is_printed_escaped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, "models", "list", "--config", str(tmp_path / "a\nb\x1b[2J.yaml"))
    assert rc == 2
    one_line(err, "a\\nb\\x1b[2J.yaml", "No such file")


@pytest.mark.parametrize("argv", [["ingest", "--bogus"], ["digest", "--dry-run", "--format",
                                                          "bogus"],
                                  ["models", "list", "--config", ""],
                                  ["ingest", "--source", ""]],
                         ids=["unknown flag", "--format bogus", "empty --config",
                              "empty --source"])
def test_bad_command_lines_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """An empty --config quietly meant ./config.yaml, an empty --source the current
    directory (`--source "$UNSET"`)."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert ("unrecognized arguments" in err or "invalid choice" in err
            or "an empty path" in err), err


# -- environment ------------------------------------------------------------------------------

@pytest.mark.parametrize("home", ["data", "~nobody-such/x", "/tmp/a\nb"])
def test_briefings_home_must_be_absolute(home: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A relative $BRIEFINGS_HOME named another store in each directory a command ran from
    (cron, systemd and a shell each saw their own)."""
    monkeypatch.setenv("BRIEFINGS_HOME", home)
    rc, err = load_text(tmp_path, capsys, "{}\n", "digest", "--dry-run")
    assert rc == 2
    one_line(err, "$BRIEFINGS_HOME: expected an absolute path")


def test_no_home_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOME", "BRIEFINGS_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    cfg = config.load(_seeds_config(tmp_path))
    assert cfg.db_path == tmp_path / "xdg" / "briefings" / "briefings.sqlite3"


def _seeds_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"sources:\n  - {{name: s, type: folder, path: {SEEDS}}}\n",
                    encoding="utf-8")
    return path


def _token_cfg(tmp_path: Path, content: bytes, mode: int = 0o600,
               link: bool = False) -> config.Config:
    target = tmp_path / "token.txt"
    target.write_bytes(content)
    target.chmod(mode)
    if link:
        (tmp_path / "token.lnk").symlink_to(target)
    name = "token.lnk" if link else "token.txt"
    return config.from_mapping({"telegram": {"token_file": name}}, tmp_path)


@pytest.mark.parametrize(("content", "mode", "link"), [
    (b"\xef\xbb\xbf" + TOKEN.encode() + b"\r\n", 0o600, False),  # Notepad: BOM and CRLF
    (TOKEN.encode() + b"\n", 0o600, True),  # a symlink to a private file
], ids=["BOM", "symlink"])
def test_a_token_file_that_is_fine(content: bytes, mode: int, link: bool,
                                   tmp_path: Path) -> None:
    """A token file saved with a BOM was "malformed"."""
    assert load_token(_token_cfg(tmp_path, content, mode, link)) == TOKEN


@pytest.mark.parametrize(("content", "mode", "link", "needle"), [
    (TOKEN.encode(), 0o644, False, "readable by others"),
    (TOKEN.encode(), 0o644, True, "readable by others"),
    ((TOKEN + "\nsecond line\n").encode(), 0o600, False, "malformed"),
    (TOKEN.encode("utf-16"), 0o600, False, "not a text file"),
], ids=["0644", "symlink to 0644", "two lines", "UTF-16"])
def test_a_token_file_that_is_refused(content: bytes, mode: int, link: bool, needle: str,
                                      tmp_path: Path) -> None:
    with pytest.raises(TokenMissing, match=needle) as exc:
        load_token(_token_cfg(tmp_path, content, mode, link))
    assert SECRET not in str(exc.value) and "\n" not in str(exc.value)


@pytest.mark.parametrize(("value", "ok"), [(f"  {TOKEN} \n", True),
                                           (TOKEN.replace(":", ":\n"), False),
                                           (f"{TOKEN} {TOKEN}", False)])
def test_the_token_variable(value: str, ok: bool, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", value)
    cfg = config.from_mapping({}, tmp_path)
    if ok:
        assert load_token(cfg) == TOKEN
        return
    with pytest.raises(TokenMissing, match="malformed") as exc:
        load_token(cfg)
    assert SECRET not in str(exc.value)


# -- the store --------------------------------------------------------------------------------

def _stored(cfg_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["ingest", "--offline", "--config", str(cfg_path)]) == 0
    capsys.readouterr()
    settle(db)
    return digest(db)


@pytest.mark.parametrize("kind", ["fifo", "device", "symlink loop"])
def test_a_store_path_that_is_no_file(kind: str, tmp_path: Path, write_config: ConfigFactory,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A named pipe or /dev/null as store.path was "the file is empty (0 bytes): ... it was
    truncated"."""
    db = tmp_path / "store"
    if kind == "fifo":
        os.mkfifo(db)
    elif kind == "device":
        db = Path(os.devnull)
    else:
        db.symlink_to(db)
    rc, _, err = run(capsys, "digest", "--dry-run", "--config",
                     str(write_config(store={"path": str(db)})))
    assert rc == 1
    what = {"fifo": "is a named pipe, not a file", "device": "is a character device",
            "symlink loop": "Too many levels of symbolic links"}[kind]
    one_line(err, f"error: store {db}", what)


@pytest.mark.parametrize("journal", ["-wal", "-journal"])
def test_a_directory_where_sqlite_keeps_its_journal(
        journal: str, cfg_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A directory at briefings.sqlite3-wal was "cannot open it ... check that its directory
    exists and is writable"."""
    before = _stored(cfg_path, db, capsys)
    (db.parent / (db.name + journal)).mkdir()
    rc, _, err = run(capsys, "digest", "--dry-run", "--config", str(cfg_path))
    assert rc == 1
    one_line(err, f"its journal {db.name}{journal} is a directory", "move")
    assert digest(db) == before


def test_a_stale_garbage_wal_is_ignored(cfg_path: Path, db: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    _stored(cfg_path, db, capsys)
    (db.parent / (db.name + "-wal")).write_bytes(bytes(range(256)) * 20)
    (db.parent / (db.name + "-shm")).write_bytes(b"\xff" * 32768)
    rc, out, err = run(capsys, "digest", "--dry-run", "--config", str(cfg_path))
    assert rc == 0 and "1 story from 2 articles" in out, err
    with closing(Store(db)) as store:
        assert store.article_count() == 2


def test_a_damaged_first_page(cfg_path: Path, db: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    before = _stored(cfg_path, db, capsys)
    with db.open("r+b") as f:
        f.seek(100)
        f.write(bytes(range(100)))
    rc, _, err = run(capsys, "ingest", "--offline", "--config", str(cfg_path))
    assert rc == 1
    one_line(err, f"error: store {db}", "damaged", "backup")
    assert digest(db) != before  # (our damage) and nothing else: a second run is the same
    again = digest(db)
    assert run(capsys, "ingest", "--offline", "--config", str(cfg_path))[0] == 1
    assert digest(db) == again


def test_a_store_from_a_newer_version(cfg_path: Path, db: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    _stored(cfg_path, db, capsys)
    con = sqlite3.connect(db)
    con.execute("INSERT INTO schema_migrations VALUES (?, 'future', '2030-01-01')",
                (len(MIGRATIONS) + 5,))
    con.commit()
    con.close()
    before = digest(db)
    rc, _, err = run(capsys, "ingest", "--offline", "--config", str(cfg_path))
    assert rc == 1
    one_line(err, f"schema version {len(MIGRATIONS) + 5}", "upgrade briefings")
    assert digest(db) == before


def test_a_store_another_process_holds_locked(cfg_path: Path, db: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Waits BUSY_TIMEOUT (30 s; a test waits less), then one line; nothing is lost."""
    _stored(cfg_path, db, capsys)
    monkeypatch.setattr(store_connection, "BUSY_TIMEOUT", 0.2)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        rc, _, err = run(capsys, "ingest", "--offline", "--config", str(cfg_path))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert rc == 1
    one_line(err, f"error: store {db}", "another process holds it locked")
    with closing(Store(db)) as store:
        assert store.article_count() == 2


# -- command line ----------------------------------------------------------------------------

def test_source_paths_with_a_newline_or_escape(tmp_path: Path, cfg_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """--source with a newline in the path was a pydantic traceback; it is refused as in
    config.yaml, also when the newline is in the current directory's path."""
    folder = tmp_path / "in\nbox\x1b[2J"
    folder.mkdir()
    for argv in (["--source", str(folder)], ["--source", "."]):
        monkeypatch.chdir(folder if argv[1] == "." else tmp_path)
        rc, _, err = run(capsys, "ingest", "--offline", "--config", str(cfg_path), *argv)
        assert rc == 2
        one_line(err, "error: command line: --source: expected a path without control "
                      "characters", "in\\nbox\\x1b[2J")


@pytest.mark.parametrize("kind", ["file", "fifo", "missing"])
def test_a_source_that_is_no_folder(kind: str, tmp_path: Path, cfg_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "src"
    if kind == "file":
        path.write_text("x")
    elif kind == "fifo":
        os.mkfifo(path)
    rc, _, err = run(capsys, "ingest", "--offline", "--config", str(cfg_path),
                     "--source", str(path), "--source", str(SEEDS))
    assert rc == 0
    failed = [ln for ln in err.splitlines() if "source failed" in ln]
    assert len(failed) == 1 and str(path) in failed[0]
    assert "is not a folder" in failed[0] or "does not exist" in failed[0]
    assert "ingest: 2 new" in err  # the other source goes on


def test_an_unreadable_folder_source(shared_dir: Path,  # noqa: F811
                                     capsys: pytest.CaptureFixture[str]) -> None:
    inbox = shared_dir / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("x", encoding="utf-8")
    inbox.chmod(0o700)  # root's: another user may not list it
    seeds = shutil.copytree(SEEDS, shared_dir / "seeds")
    seeds.chmod(0o755)
    (data := shared_dir / "data").mkdir()
    data.chmod(0o777)
    cfg = shared_dir / "config.yaml"
    cfg.write_text(f"sources:\n  - {{name: inbox, type: folder, path: {inbox}}}\n"
                   f"  - {{name: seeds, type: folder, path: {seeds}}}\n"
                   f"store:\n  path: {data}/db.sqlite3\ntranslate:\n"
                   f"  packages_dir: {shared_dir}/argos\n", encoding="utf-8")
    cfg.chmod(0o644)
    if os.geteuid() != 0:
        inbox.chmod(0)
    # everything an ingest imports, imported here first: the other user cannot read this
    # Python's library (run alone, the test failed on "No module named 'pkgutil'")
    warm = shared_dir / "warm.yaml"
    warm.write_text(f"sources:\n  - {{name: seeds, type: folder, path: {seeds}}}\n"
                    f"store:\n  path: {shared_dir}/warm.sqlite3\n", encoding="utf-8")
    assert main(["ingest", "--offline", "--config", str(warm)]) == 0
    capsys.readouterr()
    rc, err = as_other_user(["ingest", "--offline", "--config", str(cfg)])
    inbox.chmod(0o755)
    assert rc == 0, err
    about = [ln for ln in err.splitlines() if "inbox" in ln]
    assert len(about) == 1 and "Traceback" not in err, err
    assert about[0] == (f"source failed (retried next run): source 'inbox': folder {inbox} "
                        "is not readable (Permission denied)")  # the whole source, not an item
    assert "ingest: 2 new, 0 already stored, 0 skipped, 1 source(s) failed" in err


def test_a_100_kb_question(cfg_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _stored(cfg_path, db, capsys)
    question = ["ليبيا", "حكومة", "طرابلس", "مصراتة"] * 4000 + ["ل" * 30_000]
    rc, out, err = run(capsys, "ask", "--config", str(cfg_path), *question)
    assert rc == 0 and err == ""
    assert all(len(line) < 1000 for line in out.splitlines())

