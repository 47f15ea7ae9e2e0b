"""Store faults (issue 7, Store): a store file that is not a database, is truncated or
damaged, sits in a read-only directory or hits a full disk is ONE line naming the file,
the cause and what to do, a non-zero exit, and nothing stored before is lost or changed."""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from briefings import store as store_mod
from briefings.cli import main
from briefings.errors import StoreError
from briefings.store import MIGRATIONS, Store
from tests.builders import SEEDS, ConfigFactory, repetitive_articles

NOBODY = 65534


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_line(err: str, *needles: str) -> None:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("error: store ")
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def settle(db: Path) -> None:
    """Close whatever the CLI left open and fold the WAL into the file, so the file on disk
    is the whole store."""
    gc.collect()
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


@contextmanager
def _opened(path: Path) -> Iterator[Store]:
    store = Store(path)
    try:
        yield store
    finally:
        store.close()


def stored_store(cfg_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--config", str(cfg_path)]) == 0
    capsys.readouterr()
    settle(db)


def test_not_a_database(cfg_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db.parent.mkdir(parents=True)
    db.write_text("my notes, not a database\n" * 50, encoding="utf-8")
    before = digest(db)
    assert main(["ingest", "--config", str(cfg_path)]) == 1
    assert_one_line(capsys.readouterr().err, str(db), "not an SQLite database",
                    "set store.path")
    assert digest(db) == before


@pytest.mark.parametrize("keep", [0.5, 0.1, 0.0])
def test_truncated_store(cfg_path: Path, db: Path, capsys: pytest.CaptureFixture[str],
                         keep: float) -> None:
    stored_store(cfg_path, db, capsys)
    with db.open("r+b") as f:
        f.truncate(int(db.stat().st_size * keep))
    before = digest(db)
    for argv in (["ingest"], ["digest", "--dry-run"]):
        assert main([*argv, "--config", str(cfg_path)]) == 1
        assert_one_line(capsys.readouterr().err, str(db), "truncated", "backup")
    assert digest(db) == before  # not migrated, not "repaired", not replaced


def test_another_programs_database_is_not_touched(
        cfg_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db.parent.mkdir(parents=True)
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    con.commit()
    con.close()
    before = digest(db)
    assert main(["ingest", "--config", str(cfg_path)]) == 1
    assert_one_line(capsys.readouterr().err, str(db), "not a briefings store")
    assert digest(db) == before


def test_store_from_a_newer_version_is_refused(db: Path) -> None:
    Store(db).close()
    con = sqlite3.connect(db)
    con.execute("INSERT INTO schema_migrations VALUES (?, 'future', '2030-01-01')",
                (len(MIGRATIONS) + 1,))
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer briefings"):
        Store(db)


def test_store_path_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="file is not a directory"):
        Store(tmp_path / "file" / "briefings.sqlite3")


def test_a_store_fault_is_also_a_database_error() -> None:
    """Ingest's per-item isolation re-raises sqlite3.Error: a StoreError must get through."""
    fault = StoreError.from_sqlite("/x.db", sqlite3.OperationalError("database or disk is full"))
    assert isinstance(fault, sqlite3.DatabaseError)
    assert StoreError.from_sqlite("/x.db", sqlite3.IntegrityError("UNIQUE constraint")) is None


# -- read-only ------------------------------------------------------------------------------
def as_other_user(argv: list[str]) -> tuple[int, str]:
    """main(argv) with no right to write the store: as uid 65534 in a forked child when we
    are root (root may write anything), else directly (the caller removed write rights)."""
    if os.geteuid() != 0:
        from io import StringIO
        from unittest import mock

        buf = StringIO()
        with mock.patch.object(sys, "stderr", buf), mock.patch.object(sys, "stdout", StringIO()):
            rc = main(argv)
        return rc, buf.getvalue()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        rc = 99
        try:
            os.close(read)
            sys.stdout = sys.stderr = os.fdopen(write, "w")
            try:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            except OSError:
                rc = 77
            else:
                rc = main(argv)
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(rc)
    os.close(write)
    with os.fdopen(read) as pipe:
        out = pipe.read()
    _, status = os.waitpid(pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    if rc == 77:
        pytest.skip("running as root without the right to switch to uid 65534")
    return rc, out


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory another user can traverse (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="briefings-ro-"))
    path.chmod(0o755)
    yield path
    path.chmod(0o755)
    shutil.rmtree(path)


@pytest.mark.parametrize("file_mode", [0o644, 0o666])
def test_store_in_a_read_only_directory(shared_dir: Path, capsys: pytest.CaptureFixture[str],
                                        file_mode: int) -> None:
    inbox = shared_dir / "inbox"
    shutil.copytree(SEEDS, inbox)
    inbox.chmod(0o755)
    db = shared_dir / "briefings.sqlite3"
    cfg = shared_dir / "config.yaml"
    cfg.write_text(f"sources:\n  - {{name: inbox, type: folder, path: {inbox}}}\n"
                   f"store:\n  path: {db}\ntranslate:\n  packages_dir: {shared_dir}/argos\n",
                   encoding="utf-8")
    cfg.chmod(0o644)
    assert main(["ingest", "--config", str(cfg)]) == 0
    capsys.readouterr()
    settle(db)
    (inbox / "extra.txt").write_text((SEEDS / "000_ef1d12a2add07518.txt").read_text(
        encoding="utf-8").replace("ليبيا", "تونس"), encoding="utf-8")  # a new article to add
    db.chmod(file_mode)
    before = digest(db)
    if os.geteuid() != 0:
        shared_dir.chmod(0o555)
        if file_mode == 0o644:
            db.chmod(0o444)
    rc, err = as_other_user(["ingest", "--config", str(cfg)])
    shared_dir.chmod(0o755)
    assert rc == 1, err
    assert_one_line(err, str(db), "cannot write", "writable")
    assert digest(db) == before
    with _opened(db) as store:
        assert store.article_count() == 2  # what was stored before is all there


# -- disk full ------------------------------------------------------------------------------
def test_disk_full_in_the_middle_of_an_ingest(
        tmp_path: Path, write_config: ConfigFactory, db: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = tmp_path / "inbox"
    repetitive_articles(inbox, 40)
    cfg_path = write_config(sources=[{"name": "inbox", "type": "folder", "path": str(inbox)}],
                            store={"path": str(db)})
    with _opened(db) as store:
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    opened: Callable[..., None] = Store.__init__

    def tiny_disk(self: Store, path: str | Path) -> None:  # room for about ten articles
        opened(self, path)
        self.db.execute(f"PRAGMA max_page_count = {pages + 20}")

    monkeypatch.setattr(store_mod.Store, "__init__", tiny_disk)
    assert main(["ingest", "--config", str(cfg_path)]) == 1
    assert_one_line(capsys.readouterr().err, str(db), "disk is full", "free some space")
    monkeypatch.undo()
    with _opened(db) as store:
        kept = store.article_count()
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert 0 < kept < 40  # the articles committed before the disk filled are stored
    assert main(["ingest", "--config", str(cfg_path)]) == 0
    with _opened(db) as store:
        assert store.article_count() == 40
