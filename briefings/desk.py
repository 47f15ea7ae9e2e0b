"""The news desk: what a chat can ask of the core, one function per command.

The Telegram adapter (``bot/``) parses an update, calls one method here and
replies with the returned messages (Telegram HTML, each within 4096 characters).
Methods are blocking (SQLite, the model) and thread-safe: every thread gets its
own SQLite connection; the model is loaded once and shared.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from . import answer, answer_render, cluster, compose, outlets, pipeline
from .config import Config
from .ingest import IngestReport
from .schedule_util import parse_hhmm
from .store import Store, utcnow
from .translate import TranslateReport

log = logging.getLogger(__name__)
e = compose.escape
MAX_ID = 2**63 - 1  # SQLite's largest integer: story ids beyond it cannot exist
ECHO = 200  # characters of a user's text repeated back in a reply
MAX_FILTERS = 20


def short(text: str, limit: int = ECHO) -> str:
    """A user's text, cut to ``limit`` characters (with …) to be echoed in a reply."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_timezone(name: str) -> bool:
    """An IANA zone name (not a path, a directory or a data file of the zone database)."""
    return name in _zones()


@dataclass(frozen=True)
class ChatSettings:
    chat_id: int
    subscribed: bool
    digest_time: str
    timezone: str
    stories: int
    sentences: int
    filters: tuple[str, ...]


@dataclass(frozen=True)
class PollReport:
    ingest: IngestReport
    translated: TranslateReport
    model_missing: str | None


def html_to_text(message: str) -> str:
    """Plain-text fallback of one of our HTML messages (same content, no markup)."""
    return html.unescape(re.sub(r"<[^>]+>", "", message))


# Sentences a poll sends to the model between two looks at ``Desk.stopping`` (each chunk is
# committed): a few seconds of work, so a shut-down never waits for a whole backlog.
POLL_CHUNK = 64


class _Stopping(Exception):
    """Raised between translation chunks of a poll when the bot is shutting down."""

class Desk:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self._local = threading.local()
        self._engine: pipeline.Engine | None = None
        self._engine_lock = threading.Lock()
        # Story grouping is read-modify-write: the poll and digests composed at the same
        # time (several chats) must not give the same new article two stories.
        self._group_lock = threading.Lock()
        self.last_poll: datetime | None = None
        self.stopping = threading.Event()  # set at shut-down: a poll stops between chunks

    # -- plumbing ---------------------------------------------------------------
    @property
    def store(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.cfg.db_path)
        return store

    def engine(self, retry: bool = False) -> pipeline.Engine:
        with self._engine_lock:
            if self._engine is None or (retry and self._engine.translator is None):
                self._engine = pipeline.load_engine(self.cfg)
            return self._engine

    def allowed(self, chat_id: int) -> bool:
        return not self.cfg.telegram.allowed_chats or chat_id in self.cfg.telegram.allowed_chats

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.cfg.telegram.admins

    # -- subscription and settings ---------------------------------------------
    def subscribe(self, chat_id: int, title: str | None) -> list[str]:
        new = self.store.subscribe(chat_id, title, self.cfg.schedule.digest_time,
                                   self.cfg.schedule.timezone)
        s = self.settings(chat_id)
        greeting = "Welcome" if new else "You are subscribed"
        return [
            f"<b>{greeting} to the Arabic press briefing.</b>\n"
            "I read Arabic news sources, translate them offline and send you a short daily "
            "digest: each story summarised in a few sentences, every sentence cited to its "
            "outlet and article.\n\n"
            f"Your digest comes every day at <b>{e(s.digest_time)}</b> ({e(s.timezone)}), "
            f"{s.stories} stories, {s.sentences} sentences each.\n"
            "• /digest — the briefing now\n• /latest — the newest stories\n"
            "• /story <i>id</i> — a story in full; /original <i>id</i> — in Arabic\n"
            "• Ask anything (or /ask) — answered from the articles, with sources; reply to a "
            "digest to ask about its stories\n"
            "• /settings — time, time zone, length; /filter — keywords\n"
            "• /stop — unsubscribe"
        ]

    def unsubscribe(self, chat_id: int) -> list[str]:
        if self.store.unsubscribe(chat_id):
            return ["Unsubscribed: no more daily digests. /start to subscribe again."]
        return ["This chat is not subscribed. /start to subscribe."]

    def settings(self, chat_id: int) -> ChatSettings:
        row = self.store.chat(chat_id)
        if row is None:
            return ChatSettings(chat_id, False, self.cfg.schedule.digest_time,
                                self.cfg.schedule.timezone, self.cfg.digest.max_stories,
                                self.cfg.summarize.sentences, ())
        return ChatSettings(chat_id, bool(row["subscribed"]), row["digest_time"],
                            row["timezone"], row["stories"] or self.cfg.digest.max_stories,
                            row["sentences"] or self.cfg.summarize.sentences,
                            tuple(self.store.filters(chat_id)))

    def settings_text(self, chat_id: int) -> str:
        s = self.settings(chat_id)
        filters = ", ".join(e(f) for f in s.filters) or "none (all stories)"
        return (f"<b>Settings</b>\nDigest time: <b>{e(s.digest_time)}</b>\n"
                f"Time zone: <b>{e(s.timezone)}</b>\nStories per digest: <b>{s.stories}</b>\n"
                f"Sentences per story: <b>{s.sentences}</b>\nKeyword filters: {filters}\n\n"
                "Change with /settings time 07:30 · /settings tz Africa/Tripoli · "
                "/settings stories 5 · /settings sentences 3 · /filter add Misrata")

    def change_setting(self, chat_id: int, name: str, value: str) -> tuple[bool, str]:
        """(changed, message). Unknown names and bad values get a message saying why."""
        if self.store.chat(chat_id) is None:
            return False, "Subscribe first with /start."
        name = {"timezone": "tz", "zone": "tz"}.get(name.lower(), name.lower())
        if name == "time":
            try:
                t = parse_hhmm(value)
            except ValueError:
                return False, (f"Not a time: {e(short(value, 40))}. Use HH:MM, e.g. "
                               "/settings time 07:30")
            self.store.update_chat(chat_id, digest_time=f"{t:%H:%M}")
        elif name == "tz":
            if not valid_timezone(value):
                return False, (f"Unknown time zone: {e(short(value, 40))}. Use a name like "
                               "Africa/Tripoli, Asia/Riyadh or UTC.")
            self.store.update_chat(chat_id, timezone=value)
        elif name in {"stories", "sentences"}:
            limit = 20 if name == "stories" else 10
            if not (value.isdecimal() and len(value) <= 3 and 1 <= int(value) <= limit):
                return False, f"{name} takes a number from 1 to {limit}."
            self.store.update_chat(chat_id, **{name: int(value)})
        else:
            return False, "Unknown setting. Try: time, tz, stories, sentences."
        return True, self.settings_text(chat_id)

    def change_filter(self, chat_id: int, action: str, keyword: str) -> str:
        if self.store.chat(chat_id) is None:
            return "Subscribe first with /start."
        keyword = " ".join(keyword.split())[:100]
        if action == "add" and keyword:
            if len(self.store.filters(chat_id)) >= MAX_FILTERS:
                return (f"At most {MAX_FILTERS} keyword filters: /filter remove one first.\n\n"
                        + self.settings_text(chat_id))
            self.store.add_filter(chat_id, keyword)
        elif action in {"remove", "rm", "del"} and keyword:
            if not self.store.remove_filter(chat_id, keyword):
                return f"No filter {e(short(keyword, 40))}.\n\n" + self.settings_text(chat_id)
        elif action == "clear":
            for k in self.store.filters(chat_id):
                self.store.remove_filter(chat_id, k)
        elif action not in {"", "list"}:
            return "Use /filter add WORD, /filter remove WORD, /filter clear or /filter list."
        return self.settings_text(chat_id)

    def migrate_chat(self, old: int, new: int) -> bool:
        """A group upgraded to a supergroup: its subscription, settings, filters, digests and
        remembered messages follow the new chat id."""
        moved = self.store.migrate_chat(old, new)
        if moved:
            log.warning("chat %s became supergroup %s: moved its subscription and settings%s",
                        old, new, "" if self.allowed(new) else
                        f"; add {new} to telegram.allowed_chats so it can use commands")
        return moved

    # -- digests ------------------------------------------------------------------
    def compose_digest(self, chat_id: int, kind: str = "daily", now: datetime | None = None
                       ) -> int:
        """Compose and record (outbox) the chat's digest; the daily one once per local day."""
        now = now or utcnow()
        s = self.settings(chat_id)
        date = self.local_date(s.timezone, now)
        if kind == "daily":
            existing = self.store.daily_digest(chat_id, date)
            if existing is not None:
                return existing
        row = self.store.chat(chat_id)
        last = row["last_digest_at"] if row is not None else None
        since = max(datetime.fromisoformat(last), now - timedelta(days=7)) if last else \
            now - timedelta(hours=self.cfg.digest.window_hours)
        articles = self.store.articles_since(since)
        with self._group_lock:  # then pipeline.digest finds every article grouped
            cluster.group(self.store, [a.id for a in articles], self.cfg.summarize)
        result = pipeline.digest(self.store, self.cfg, self.engine(retry=True),
                                 [a.id for a in articles], keywords=s.filters,
                                 max_stories=s.stories, sentences_per_story=s.sentences, now=now)
        links = {a.id: compose.public_link(a) for a in articles}
        parts = compose.render(compose.relink(result.briefing, links), "html")
        return self.store.record_digest(chat_id, kind, date, result.story_ids,
                                        [(p, html_to_text(p)) for p in parts])

    @staticmethod
    def local_date(timezone: str, now: datetime) -> str:
        return now.astimezone(ZoneInfo(timezone)).date().isoformat()

    def due_today(self, chat_id: int, now: datetime | None = None) -> bool:
        """Was today's daily digest due (its time passed) under the chat's current schedule,
        and not composed? A chat that subscribed, or moved its digest time or time zone,
        after today's digest time has missed nothing today."""
        now = now or utcnow()
        row = self.store.chat(chat_id)
        s = self.settings(chat_id)
        if row is None or not s.subscribed:
            return False
        zone = ZoneInfo(s.timezone)
        local = now.astimezone(zone)
        due = datetime.combine(local.date(), parse_hhmm(s.digest_time), tzinfo=zone)
        since = row["schedule_from"]
        if due > now or (since and due <= datetime.fromisoformat(since)):
            return False
        return self.store.daily_digest(chat_id, local.date().isoformat()) is None

    # -- reading --------------------------------------------------------------------
    def latest(self, n: int) -> list[str]:
        rows = self.store.latest_stories(max(1, min(n, 50)))
        if not rows:
            return ["No stories yet."]
        members = self.store.story_articles([r[0] for r in rows])
        names = outlets.registry(self.cfg.ingest.outlets)
        lines = ["<b>Latest stories</b>"]
        for story_id, count, _newest in rows:
            arts = self.store.articles(members[story_id])
            lead = arts[-1]
            title = self.store.headline_en(lead.id) or lead.headline
            reported = outlets.english_list(names.english(a.outlet or a.source) for a in arts)
            date = compose.show_date(max(compose.article_date(a) for a in arts))
            lines.append(f"#{story_id} · {e(title)} <i>({e(reported)}; {count} "
                         f"article{'s' if count != 1 else ''}; {date})</i>")
        lines.append("\n/story <i>id</i> for the full story.")
        return compose.pack([], [[line] for line in lines])

    def story(self, story_id: int, original: bool = False) -> list[str]:
        if not 1 <= story_id <= MAX_ID or not self.store.story_exists(story_id):
            return [f"No story #{short(str(story_id), 40)}. /latest lists the newest."]
        ids = self.store.story_articles([story_id])[story_id]
        label = "original Arabic" if original else "English translation"
        return compose.story_text(self.store.articles(ids), self.store.sentences(ids), original,
                                  header=f"<b>Story #{story_id}</b> ({label})",
                                  link=compose.public_link,
                                  outlets=outlets.registry(self.cfg.ingest.outlets))

    def ask(self, question: str, story_ids: list[int] | None = None
            ) -> tuple[list[str], list[int]]:
        """The answer's messages, and the stories it cites (a reply to it is scoped to them)."""
        question = " ".join(question.split())
        if not question:
            return ["Ask a question, e.g. /ask what happened in Misrata?"], []
        ans = answer.ask(self.store, self.cfg, question, story_ids)
        links = {a.id: compose.public_link(a)
                 for a in self.store.articles({h.citation.article_id for h in ans.hits})}
        scope = " in these stories" if story_ids is not None else ""
        messages = answer_render.messages(answer_render.relink(ans, links), "html", scope)
        return messages, list(dict.fromkeys(h.story_id for h in ans.hits if h.story_id))

    def sources(self, admin: bool = False) -> list[str]:
        """Each source's name, kind and health. Where it reads from (a server path, a feed URL
        that may carry a key) and the text of its last error (which names files) are shown
        to admins only."""
        rows = self.store.sources_health()
        configured = {s.name for s in self.cfg.sources if s.enabled}
        lines = ["<b>Sources</b>"]
        for src in self.cfg.sources:
            row = next((r for r in rows if r["name"] == src.name), None)
            kind = "feed" if src.type == "rss" else "folder"
            where = f": {src.url or src.path or ''}" if admin else ""
            if row is None or row["last_fetch_at"] is None:
                state = "not fetched yet"
            elif row["last_error"]:
                detail = f": {row['last_error']}" if admin else ""
                state = f"⚠ failing since last fetch {row['last_fetch_at']}{detail}"
            else:
                state = f"ok, last fetch {row['last_fetch_at']}, {row['articles_added']} articles"
            if row is not None and row["items_skipped"]:
                problem = f" (last: {row['last_problem']})" if admin and row["last_problem"] \
                    else ""
                state += f"; {row['items_skipped']} item(s) skipped last run{problem}"
            flag = "" if src.name in configured else " (disabled)"
            lines.append(f"• <b>{e(src.name)}</b>{flag} ({kind}{e(where)}) — {e(state)}")
        return compose.pack([], [[line] for line in lines])

    def status(self, next_digests: list[tuple[int, datetime | None]]) -> list[str]:
        engine = self.engine(retry=True)
        model = "installed" if engine.translator else f"missing — {engine.missing}"
        c = self.store.counts(utcnow() - timedelta(hours=24))
        last = f"{self.last_poll:%Y-%m-%d %H:%M} UTC" if self.last_poll else "not yet"
        lines = [f"<b>Status</b>\nModel: {e(model)}",
                 f"Articles: {c['articles']} stored, {c['articles_since']} in the last 24 h",
                 f"Sentences: {c['translated']} translated, {c['pending']} pending",
                 f"Last poll: {last}", f"Subscribed chats: {c['subscribed']}"]
        for chat_id, when in next_digests[:20]:
            lines.append(f"Next digest for {chat_id}: "
                         f"{when.astimezone(ZoneInfo('UTC')):%Y-%m-%d %H:%M} UTC" if when else
                         f"Next digest for {chat_id}: not scheduled")
        return ["\n".join(lines)]

    # -- polling ------------------------------------------------------------------
    def _unless_stopping(self, done: int, total: int) -> None:
        if self.stopping.is_set():
            raise _Stopping

    def poll(self) -> PollReport:
        """Read every source, group the new articles and translate what is pending."""
        report = pipeline.run_ingest(self.store, self.cfg)
        if report.added:
            with self._group_lock:
                cluster.group(self.store, report.added, self.cfg.summarize)
        engine = self.engine(retry=True)
        try:
            translated = pipeline.translate_rest(self.store, engine, self.cfg,
                                                 self._unless_stopping, POLL_CHUNK)
        except _Stopping:  # shutting down: what was translated is committed, the rest waits
            log.info("poll: translation stopped for shut-down; the rest stays pending")
            translated = TranslateReport()
        answer.prepare(self.store, self.cfg)  # the next question finds the new sentences indexed
        self.last_poll = utcnow()
        return PollReport(report, translated, engine.missing)
