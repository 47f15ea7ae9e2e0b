"""The command line (issue 9): --config and -v before or after the command word, and a
`--help` that imports neither the bot nor the pipeline's numpy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from briefings.cli import build_parser, main

COMMANDS = [["dry-run"], ["ingest"], ["digest", "--dry-run"], ["models", "list"],
            ["models", "install"], ["ask", "who"], ["run"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_config_before_or_after_the_command(command: list[str], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("digest:\n  max_storys: 3\n", encoding="utf-8")  # read: exit 2
    for argv in (["--config", str(path), *command], [*command[:1], "-c", str(path),
                                                     *command[1:]], [*command, "-c", str(path)]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"{path}: digest.max_storys: unknown key" in err, (argv, err)


def test_verbose_and_config_either_side() -> None:
    parser = build_parser()
    for argv, config, verbose in [
        (["dry-run"], None, 0),
        (["-v", "dry-run"], None, 1),
        (["dry-run", "-vv"], None, 2),
        (["-c", "a.yaml", "-v", "models", "list"], "a.yaml", 1),
        (["models", "list", "--config", "b.yaml"], "b.yaml", 0),
        (["--config", "a.yaml", "ask", "--config", "b.yaml", "who"], "b.yaml", 0),  # the last
    ]:
        args = parser.parse_args(argv)
        assert (args.config, args.verbose) == (config, verbose), argv


HEAVY = ("telegram", "bot.app", "numpy", "pydantic", "ctranslate2", "briefings.pipeline")


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["dry-run", "--help"]])
def test_help_imports_neither_the_bot_nor_numpy(argv: list[str]) -> None:
    """Structural, not timed: what `briefings --help` loads (issue 9: it took ~1 s, 0.7 s of
    it python-telegram-bot, loaded through the `run` entry point)."""
    code = ("import sys\nfrom briefings.cli import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert "usage: briefings" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr
