"""The ``briefings`` command.

stdout carries the product (messages, answers, lists); progress, reports and
logs go to stderr so the output can be piped.
"""

# The parser is built from light modules only, so that `briefings --help` and a typo cost
# little more than starting Python: each command imports the heavy modules it uses (the
# pipeline pulls in numpy, the config pydantic, rich.progress its own world) inside its
# function, and the bot is imported only by `run` (bot/cli.py).

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import select
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.console import Console

from . import cli_parser
from .errors import BriefingsError, ConfigError, StoreError
from .memory import limit_arenas
from .text import has_words, normalize, printable

if TYPE_CHECKING:
    from .config import Config, SourceConfig
    from .ingest import IngestReport
    from .pipeline import DigestResult, Pipeline, Progress
    from .store import Store

log = logging.getLogger(__name__)
err = Console(stderr=True, soft_wrap=True)


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    handler: logging.Handler
    if err.is_terminal:
        from rich.logging import RichHandler  # only on a terminal

        handler = RichHandler(console=err, show_path=False, show_time=False)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:  # a service's log: one plain line per record
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for noisy in ("httpx", "trafilatura", "urllib3"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


@contextmanager
def progress_bar(label: str) -> Iterator[Progress]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True,
                  disable=not err.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _report_ingest(report: IngestReport, store: Store, cfg: Config) -> None:
    from . import compose
    from .outlets import registry

    arts = store.articles(report.added)
    names = registry(cfg.ingest.outlets)
    for art in arts:
        lang = "English, not translated" if art.language == "en" else "Arabic"
        about = " · ".join(x for x in (names.english(art.outlet or art.source),
                                        compose.show_date(compose.article_date(art))) if x)
        err.print(f"added: {printable(art.location)} — {printable(art.headline[:70])} ({lang}; "
                  f"{printable(about)})", markup=False, highlight=False)
    for line in report.skipped:  # "where: skipped: why" or a note, already escaped
        err.print(line, markup=False, highlight=False)
    for line in report.failed_sources:
        err.print(f"source failed (retried next run): {printable(line)}", markup=False,
                  highlight=False)
    err.print(f"ingest: {len(report.added)} new, {report.duplicates} already stored, "
              f"{report.items_skipped} skipped, {len(report.failed_sources)} source(s) failed"
              + (f", {notes} note(s)" if (notes := len(report.skipped) - report.items_skipped)
                 else ""),
              highlight=False)


def _print_messages(messages: Sequence[str]) -> None:
    for i, msg in enumerate(messages, start=1):
        print(f"===== message {i} of {len(messages)} · {len(msg)} characters =====")
        print(msg)
    sys.stdout.flush()


def _print_briefing(flow: Pipeline, result: DigestResult, fmt: str | None) -> None:
    """The briefing on stdout: messages (with the missing model's hint first), or ONE JSON
    object and nothing else (the hint then goes to stderr)."""
    from . import compose, jsonout
    from .outlets import registry

    cfg, missing = flow.cfg, flow.model.missing
    if fmt == "json":
        if missing:
            err.print(f"! {missing}", markup=False, highlight=False)
        ids = {c.article_id for s in result.briefing.stories for c in s.sources}
        articles = {a.id: a for a in flow.store.articles(ids)}
        print(jsonout.dumps(jsonout.briefing_json(result.briefing, articles,
                                                  registry(cfg.ingest.outlets))))
        sys.stdout.flush()
        return
    if missing:
        print(f"! {missing}")
    _print_messages(compose.render(result.briefing, cast(compose.Format,
                                                         fmt or cfg.digest.format)))


def _sources(cfg: Config, paths: Sequence[str] | None) -> list[SourceConfig]:
    from .config import SourceConfig

    if not paths:
        return [s for s in cfg.sources if s.enabled]
    from .config_types import plain_path, shown

    sources = []
    for given in paths:
        path = str(Path(given).resolve())
        if not plain_path(path):  # as in config.yaml: a newline would split every line
            raise ConfigError("--source", f"expected a path without control characters, got "
                                          f"{shown(path)}", "command line")
        sources.append(SourceConfig(name=f"cli:{path}", type="folder", path=path, outlet=None))
    return sources


def cmd_dry_run(cfg: Config, args: argparse.Namespace) -> int:
    from .pipeline import Pipeline
    from .store import Store

    flow = Pipeline(cfg, Store(cfg.db_path))
    sources = _sources(cfg, args.source)
    report = flow.ingest(sources)
    _report_ingest(report, flow.store, cfg)
    ids = flow.recent([s.name for s in sources])
    flow.model  # noqa: B018  (a first-run install draws its own bar: not inside this one)
    with progress_bar("translating summary sentences") as bar:
        result = flow.digest(ids, progress=bar)
    _print_briefing(flow, result, args.format)
    t = result.translated
    err.print(f"translate: {t.sentences} summary sentence(s) translated, {t.from_cache} from "
              f"cache, {t.model_calls} by the model", highlight=False)
    if not args.summary_only:
        with progress_bar("translating the rest") as bar:
            rest = flow.translate_rest(bar)
        if rest.sentences:
            err.print(f"translate: {rest.sentences} more sentence(s) for /story and questions "
                      f"({rest.from_cache} from cache, {rest.model_calls} by the model)",
                      highlight=False)
    return 0


def cmd_ingest(cfg: Config, args: argparse.Namespace) -> int:
    from .pipeline import Pipeline
    from .store import Store

    flow = Pipeline(cfg, Store(cfg.db_path))
    report = flow.ingest(_sources(cfg, args.source))
    _report_ingest(report, flow.store, cfg)
    flow.group(report.added)  # model or not
    if flow.model.missing:
        err.print(f"! {flow.model.missing}", markup=False, highlight=False)
    else:
        with progress_bar("translating") as bar:
            t = flow.translate_rest(bar)
        others = f" ({t.left_to_others} being translated by another run)" \
            if t.left_to_others else ""
        err.print(f"translate: {t.sentences} sentence(s), {t.from_cache} from cache, "
                  f"{t.model_calls} by the model; {flow.store.pending_count()} pending{others}",
                  highlight=False)
    flow.prepare_answers()  # so that the next question does not index the new articles
    return 0


def cmd_digest(cfg: Config, args: argparse.Namespace) -> int:
    from .pipeline import Pipeline
    from .store import Store

    if not args.dry_run:
        err.print("digest: only --dry-run here; 'briefings run' sends digests over Telegram")
        return 2
    from .autoinstall import offline

    # composes from what is stored: a missing model is the usual hint, never a download
    flow = Pipeline(offline(cfg), Store(cfg.db_path))
    ids = flow.recent(hours=args.hours)
    flow.model  # noqa: B018  (loaded before the bar: a message about it is not drawn over)
    with progress_bar("translating summary sentences") as bar:
        result = flow.digest(ids, progress=bar)
    _print_briefing(flow, result, args.format)
    return 0


def cmd_ask(cfg: Config, args: argparse.Namespace) -> int:
    import json

    from . import answer_render
    from .pipeline import Pipeline
    from .store import Store

    question = " ".join(normalize(" ".join(args.question)).split())  # no control/bidi chars
    if not has_words(question):  # empty, or punctuation, emoji, invisible characters only
        err.print("ask: the question has no words to search for", highlight=False)
        return 2
    ans = Pipeline(cfg, Store(cfg.db_path)).ask(question)
    if args.format == "json":
        if not ans.found:
            err.print(answer_render.nothing(ans), markup=False, highlight=False)
        print(json.dumps(answer_render.as_json(ans), ensure_ascii=False, indent=1))
    else:
        print("\n\n".join(answer_render.messages(ans, args.format)))
    return 0


def cmd_models(cfg: Config, args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from . import packageindex, packages
    from .modelload import missing_file

    directory = packages.packages_dir(cfg.translate.packages_dir)
    pair = (cfg.translate.from_code, cfg.translate.to_code)
    if args.models_cmd == "install":
        if args.file:
            pkg = packages.install_file(Path(args.file), directory)
        else:
            with Progress(TextColumn("[bold]downloading"), BarColumn(), MofNCompleteColumn(),
                          console=err, transient=True) as bar:
                task = bar.add_task("download", total=None)
                pkg = packageindex.install_from_index(
                    directory, *pair,
                    lambda done, total: bar.update(task, completed=done, total=total))
        print(f"installed {pkg.from_code}->{pkg.to_code} {pkg.version} at {pkg.path}")
        if (pkg.from_code, pkg.to_code) == pair:
            newest = packages.find(directory, *pair)
            if newest.path != pkg.path:
                print(f"not used: {newest.from_code}->{newest.to_code} {newest.version} at "
                      f"{newest.path} is newer")
        return 0
    found, problems = packages.scan(directory)
    print(f"packages directory: {directory}")
    if not found:
        print("no translation packages installed ('briefings models install' to add ar->en)")
    used = packages.pick(found, *pair)
    for p in sorted(found, key=packages.list_order):
        broken = missing_file(p.path)
        mark = (" (used)" if p == used else "") + (f" (broken: {broken})" if broken else "")
        print(f"{p.from_code}->{p.to_code}  version {p.version}  {packages.safe(str(p.path))}"
              f"{mark}")
    for line in problems:
        print(f"not a package: {line}")
    if used is not None and not missing_file(used.path):
        from .translate import device_used

        print(f"device: {device_used(cfg)}")
    return 0


COMMANDS: dict[str, cli_parser.Command] = {
    "dry-run": cmd_dry_run, "ingest": cmd_ingest, "digest": cmd_digest, "models": cmd_models,
    "ask": cmd_ask}


def build_parser(plugins: bool = True) -> argparse.ArgumentParser:
    return cli_parser.build(COMMANDS, plugins)


BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a program a closed pipe ended


def main(argv: Sequence[str] | None = None) -> int:
    """The command's exit status. Output into a pipe closed early (`| head -n 1`) ends the
    command quietly with BROKEN_PIPE: no traceback, nor Python's 'Exception ignored' at exit
    (stdout is pointed at /dev/null, as the Python docs advise for SIGPIPE)."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, not at interpreter exit, where a closed pipe is a message
    except BrokenPipeError:
        if not _stdout_gone():  # another pipe's or socket's: a fault to show, not our reader
            raise
        with contextlib.suppress(OSError, ValueError):  # stdout may be closed or replaced
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        return BROKEN_PIPE
    return code


def _stdout_gone() -> bool:
    """Whether stdout's reader has gone (poll says so of a pipe whose read end is closed);
    also when that cannot be asked (no descriptor, no poll), as stdout is then the likelier."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        events = poller.poll(0)
    except (AttributeError, OSError, ValueError):
        return True
    return any(ev & (select.POLLERR | select.POLLHUP | select.POLLNVAL) for _, ev in events)


def _main(argv: Sequence[str] | None) -> int:
    limit_arenas()  # MALLOC_ARENA_MAX=2 in effect, before any thread allocates (memory.py)
    argv = sys.argv[1:] if argv is None else list(argv)
    # A core command does not even load the plugins' light modules.
    args = build_parser(plugins=cli_parser.command_word(argv) not in COMMANDS)\
        .parse_args(argv)
    _setup_logging(args.verbose)
    cfg: Config | None = None
    try:
        from . import config  # pydantic: not for --help

        cfg = config.load(args.config)
        if getattr(args, "offline", False):  # dry-run, ingest, run
            from .autoinstall import offline

            cfg = offline(cfg)
        return int(args.func(cfg, args))
    except BriefingsError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        return exc.exit_code
    except sqlite3.DatabaseError as exc:  # a store fault met outside Store's own checks
        fault = StoreError.from_sqlite(cfg.db_path, exc) if cfg else None
        if fault is None:
            raise
        err.print(f"error: {fault}", markup=False, highlight=False)
        return fault.exit_code
    except KeyboardInterrupt:
        err.print("interrupted: finished work is saved; run again to continue")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
