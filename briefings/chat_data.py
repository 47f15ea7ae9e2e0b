"""What the chat service (``chat_service``) returns: data, never markup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .answer import Answer
from .models import Article, Sentence
from .outlets import Outlets

MAX_FILTERS = 20
MAX_KEYWORD = 100  # characters of a keyword filter
SETTING_LIMITS = {"stories": 20, "sentences": 10}  # the largest value of each number setting


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
class Subscription:
    new: bool  # a chat seen for the first time (else: subscribed again, or already)
    settings: ChatSettings
    again: bool = False  # subscribed again after /stop, its settings kept


# Why a change of settings or filters was refused; ``Change.detail`` holds what the user
# gave (the value, the setting's name or the keyword).
Refusal = Literal["not_subscribed", "bad_time", "bad_zone", "bad_number", "unknown_setting",
                  "too_many_filters", "no_such_filter", "filter_usage"]


@dataclass(frozen=True)
class Change:
    settings: ChatSettings | None = None  # the settings now (None when not subscribed)
    refused: Refusal | None = None
    detail: str = ""
    note: str = ""  # what was changed in what the chat asked (a keyword shortened)

    @property
    def changed(self) -> bool:
        return self.refused is None and self.settings is not None


@dataclass(frozen=True)
class LatestStory:
    story_id: int
    title: str  # its lead article's English headline, else the original
    reported_by: str  # "Okaz, Sabq and Al Madina"
    articles: int
    date: datetime


@dataclass(frozen=True)
class StoryView:
    story_id: int
    original: bool  # the Arabic originals, not the English translation
    articles: tuple[Article, ...]
    sentences: dict[int, list[Sentence]]
    outlets: Outlets


@dataclass(frozen=True)
class Asked:
    answer: Answer | None  # None: there was no question
    scoped: bool  # asked about the stories of the message it replies to
    story_ids: list[int]  # the stories it cites


@dataclass(frozen=True)
class SourceHealth:
    name: str
    enabled: bool
    kind: Literal["feed", "folder"]
    where: str | None  # admins only: its URL or folder
    last_fetch_at: str | None  # None: not fetched yet
    failing: bool
    error: str | None  # admins only: the last error's text
    articles_added: int
    items_skipped: int
    last_problem: str | None  # admins only


@dataclass(frozen=True)
class Status:
    model_missing: str | None  # None: the model is installed
    counts: dict[str, int]
    last_poll: datetime | None
    next_digests: list[tuple[int, datetime | None]]
    device: str = ""  # where the model runs, e.g. "cpu, batches of 16"
