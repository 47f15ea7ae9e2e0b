"""What the chat service returns, as chat messages (Telegram HTML, each within 4096
characters). Every text a user typed or an article holds is escaped."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from . import answer_render, compose
from .chat_data import (
    MAX_FILTERS,
    SETTING_LIMITS,
    Asked,
    Change,
    ChatSettings,
    LatestStory,
    SourceHealth,
    Status,
    StoryView,
    Subscription,
)

e = compose.escape
ECHO = 200  # characters of a user's text repeated back in a reply
NOT_SUBSCRIBED = "Subscribe first with /start."


def short(text: str, limit: int = ECHO) -> str:
    """A user's text, cut to ``limit`` characters (with …) to be echoed in a reply."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def subscription(sub: Subscription, questions: bool = True) -> list[str]:
    """The welcome; ``questions`` False where messages are not read as questions (a
    channel: its posts are its own news)."""
    s = sub.settings
    asking = ("• Ask anything (or /ask) — answered from the articles, with sources; reply to "
              "a digest to ask about its stories\n") if questions else ""
    greeting = "Welcome" if sub.new else "Welcome back" if sub.again else "You are subscribed"
    return [
        f"<b>{greeting} to the Arabic press briefing.</b>\n"
        "I read Arabic news sources, translate them offline and send you a short daily "
        "digest: each story summarised in a few sentences, every sentence cited to its "
        "outlet and article.\n\n"
        f"Your digest comes every day at <b>{e(s.digest_time)}</b> ({e(s.timezone)}), "
        f"{s.stories} stories, {s.sentences} sentences each.\n"
        "• /digest — the briefing now\n• /latest — the newest stories\n"
        "• /story <i>id</i> — a story in full; /original <i>id</i> — in Arabic\n"
        f"{asking}"
        "• /settings — time, time zone, length; /filter — keywords\n"
        "• /stop — unsubscribe"
    ]


def unsubscribed(was_subscribed: bool) -> list[str]:
    if was_subscribed:
        return ["Unsubscribed: no more daily digests. /start to subscribe again."]
    return ["This chat is not subscribed. /start to subscribe."]


def settings(s: ChatSettings) -> str:
    filters = ", ".join(e(f) for f in s.filters) or "none (all stories)"
    state = "" if s.subscribed else \
        "<i>Not subscribed: no daily digest until /start (these settings are kept).</i>\n"
    return (f"<b>Settings</b>\n{state}Digest time: <b>{e(s.digest_time)}</b>\n"
            f"Time zone: <b>{e(s.timezone)}</b>\nStories per digest: <b>{s.stories}</b>\n"
            f"Sentences per story: <b>{s.sentences}</b>\nKeyword filters: {filters}\n\n"
            "Change with /settings time 07:30 · /settings tz Africa/Tripoli · "
            "/settings stories 5 · /settings sentences 3 · /filter add Misrata")


def change(c: Change) -> str:
    """The settings after a change, or why it was refused (with the settings, where the
    chat has some)."""
    why = {
        "not_subscribed": NOT_SUBSCRIBED,
        "bad_time": f"Not a time: {e(short(c.detail, 40))}. Use HH:MM, e.g. "
                    "/settings time 07:30",
        "bad_zone": f"Unknown time zone: {e(short(c.detail, 40))}. Use a name like "
                    "Africa/Tripoli, Asia/Riyadh or UTC.",
        "bad_number": f"{c.detail} takes a number from 1 to {SETTING_LIMITS.get(c.detail)}.",
        "unknown_setting": "Unknown setting. Try: time, tz, stories, sentences.",
        "too_many_filters": f"At most {MAX_FILTERS} keyword filters: /filter remove one "
                            "first.",
        "no_such_filter": f"No filter {e(short(c.detail, 40))}.",
        "filter_usage": "Use /filter add WORD, /filter remove WORD, /filter clear or "
                        "/filter list.",
    }[c.refused] if c.refused else ""
    if c.settings is None:
        return why
    first = why or e(c.note)
    return f"{first}\n\n{settings(c.settings)}" if first else settings(c.settings)


def latest(stories: list[LatestStory]) -> list[str]:
    if not stories:
        return ["No stories yet."]
    lines = ["<b>Latest stories</b>"]
    for s in stories:
        lines.append(f"#{s.story_id} · {e(s.title)} <i>({e(s.reported_by)}; {s.articles} "
                     f"article{'s' if s.articles != 1 else ''}; {compose.show_date(s.date)})"
                     "</i>")
    lines.append("\n/story <i>id</i> for the full story.")
    return compose.pack([], [[line] for line in lines])


def no_story(story_id: int) -> list[str]:
    return [f"No story #{short(str(story_id), 40)}. /latest lists the newest."]


def story(view: StoryView) -> list[str]:
    label = "original Arabic" if view.original else "English translation"
    return compose.story_text(list(view.articles), view.sentences, view.original,
                              header=f"<b>Story #{view.story_id}</b> ({label})",
                              link=compose.public_link, outlets=view.outlets)


def asked(a: Asked) -> list[str]:
    if a.answer is None:
        return ["Ask a question, e.g. /ask what happened in Misrata?"]
    return answer_render.messages(a.answer, "html", " in these stories" if a.scoped else "")


def sources(health: list[SourceHealth]) -> list[str]:
    lines = ["<b>Sources</b>"]
    for h in health:
        where = f": {h.where}" if h.where is not None else ""
        if h.last_fetch_at is None:
            state = "not fetched yet"
        elif h.failing:
            detail = f": {h.error}" if h.error is not None else ""
            state = f"⚠ failing since last fetch {h.last_fetch_at}{detail}"
        else:
            state = f"ok, last fetch {h.last_fetch_at}, {h.articles_added} articles"
        if h.items_skipped:
            problem = f" (last: {h.last_problem})" if h.last_problem else ""
            state += f"; {h.items_skipped} item(s) skipped last run{problem}"
        flag = "" if h.enabled else " (disabled)"
        lines.append(f"• <b>{e(h.name)}</b>{flag} ({h.kind}{e(where)}) — {e(state)}")
    return compose.pack([], [[line] for line in lines])


def status(s: Status) -> list[str]:
    model = f"installed, on {s.device}" if s.model_missing is None \
        else f"missing — {s.model_missing}"
    c = s.counts
    last = f"{s.last_poll:%Y-%m-%d %H:%M} UTC" if s.last_poll else "not yet"
    lines = [f"<b>Status</b>\nModel: {e(model)}",
             f"Articles: {c['articles']} stored, {c['articles_since']} in the last 24 h",
             f"Sentences: {c['translated']} translated, {c['pending']} pending",
             f"Last poll: {last}", f"Subscribed chats: {c['subscribed']}"]
    for chat_id, when in s.next_digests[:20]:
        lines.append(f"Next digest for {chat_id}: "
                     f"{when.astimezone(ZoneInfo('UTC')):%Y-%m-%d %H:%M} UTC" if when else
                     f"Next digest for {chat_id}: not scheduled")
    return ["\n".join(lines)]
