"""What the store's reads return besides the models (``models.Article``, ``Sentence``…):
small frozen records, one per kind of row. Times are kept as stored (ISO 8601 text) where
callers show or compare them as such."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SourceRow:
    """A source's last run: when, what went wrong, what it added and skipped."""

    name: str
    kind: str
    location: str
    last_fetch_at: str | None
    last_ok_at: str | None
    last_error: str | None
    articles_added: int
    items_skipped: int
    last_problem: str | None


@dataclass(frozen=True, slots=True)
class UrlFailure:
    """A page that could not be fetched: how often, the last reason, when to try again."""

    url: str
    failures: int
    last_error: str
    last_failed_at: datetime
    next_try_at: datetime | None  # None: given up


@dataclass(frozen=True, slots=True)
class PendingSentence:
    """A sentence waiting for its translation."""

    id: int
    src_hash: str
    text: str


@dataclass(frozen=True, slots=True)
class LearnedPattern:
    """A piece of an outlet's boilerplate (see ``boilerplate.py``)."""

    kind: str  # line, lead, tail or mark
    pattern: str


@dataclass(frozen=True, slots=True)
class LatestStoryRow:
    story_id: int
    articles: int
    newest: str  # the newest article's ingest time


@dataclass(frozen=True, slots=True)
class TermsNeeded:
    """A sentence of the window whose answer terms are missing or older than its English."""

    id: int
    text_src: str
    text_en: str | None
    language: str  # its article's
    seq: int  # its translation's sequence number (0: none)
    src_terms: str | None  # stored terms of the source text, if any
    flags: int  # stored flags (0: none)


@dataclass(frozen=True, slots=True)
class AnswerIndexRow:
    """A sentence's answer terms, as the answer index reads them."""

    sentence_id: int
    article_id: int
    position: int
    src: str | None
    en: str | None
    flags: int


@dataclass(frozen=True, slots=True)
class AnswerState:
    """What the answer index has seen: the largest sentence id and translation seq."""

    sentence_id: int
    seq: int


@dataclass(frozen=True, slots=True)
class ChatRow:
    """A chat's subscription and settings (None: the configured default)."""

    chat_id: int
    title: str | None
    subscribed: bool
    digest_time: str
    timezone: str
    stories: int | None
    sentences: int | None
    created_at: str
    last_digest_at: str | None
    schedule_from: str | None  # when its schedule took effect
    last_digest_article: int | None = None  # the last article its digest read


@dataclass(frozen=True, slots=True)
class DigestPart:
    """A part of a digest still to send."""

    part: int
    html: str
    text: str


@dataclass(frozen=True, slots=True)
class UnsentDigest:
    digest_id: int
    chat_id: int
    kind: str  # daily or manual
    date: str


@dataclass(frozen=True, slots=True)
class SentPart:
    digest_id: int
    part: int
    message_id: int
