"""Output piped into a reader that stops early (`briefings digest --dry-run | head -n 1`)
ends the command quietly, with status 141 (128 + SIGPIPE, as a shell reports for `yes |
head`), never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefings.cli import BROKEN_PIPE, main

from .builders import SEEDS, ConfigFactory

ROOT = Path(__file__).resolve().parent.parent


def closed_pipe_run(*args: str) -> subprocess.CompletedProcess[bytes]:
    """`briefings ARGS` with its stdout a pipe whose reader has gone: every write to it fails,
    as after `head -n 1` has read its line and exited (the reader is closed before the
    command writes, so the test never depends on timing or on the pipe's buffer size)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "briefings.cli", *args], stdout=write_end,
                              stderr=subprocess.PIPE, cwd=ROOT, env=dict(os.environ),
                              timeout=120, check=False)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("command", [
    ["digest", "--dry-run"], ["dry-run", "--offline", "--summary-only"],
    ["ask", "--format", "json", "اشتباكات المدينة"], ["models", "list"]])
def test_a_closed_pipe_ends_any_command_quietly(write_config: ConfigFactory,
                                                command: list[str]) -> None:
    cfg = write_config([{"name": "seeds", "type": "folder", "path": str(SEEDS)}])
    assert main(["ingest", "--offline", "--config", str(cfg)]) == 0  # something to print
    done = closed_pipe_run(*command, "--config", str(cfg))
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == BROKEN_PIPE == 141, stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
    assert "Exception ignored" not in stderr


def test_a_broken_pipe_that_is_not_stdout_is_not_taken_for_a_closed_reader(
        write_config: ConfigFactory, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    """Only stdout's own reader going away ends a command quietly: a BrokenPipeError from
    another pipe or socket, with stdout still open, is a fault and is raised, not hidden
    behind status 141."""
    from briefings import cli

    cfg = write_config([{"name": "seeds", "type": "folder", "path": str(SEEDS)}])

    def broken(*_: object) -> int:
        raise BrokenPipeError(32, "a helper's pipe")

    monkeypatch.setitem(cli.COMMANDS, "ingest", broken)
    with pytest.raises(BrokenPipeError, match="a helper's pipe"):
        main(["ingest", "--offline", "--config", str(cfg)])
