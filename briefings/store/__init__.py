"""SQLite store: the single source of truth and the only package with SQL.

``connection`` opens a file safely and runs the numbered ``migrations``; each subject
module adds the reads and writes of its tables to one ``Store``. Reads return the models
(``models.Article``, ``Sentence``) or the small records of ``rows``. Writes that belong
together share one transaction.
"""

from __future__ import annotations

from .answers import Answers
from .chats import Chats
from .connection import Connection
from .content import Content
from .migrations import MIGRATIONS
from .outbox import Outbox
from .outlets import Outlets
from .retention import Forgot, Retention
from .rows import (
    AnswerIndexRow,
    AnswerState,
    ChatRow,
    DigestPart,
    LatestStoryRow,
    LearnedPattern,
    PendingSentence,
    SentPart,
    SourceRow,
    TermsNeeded,
    UnsentDigest,
    UrlFailure,
)
from .sources import URL_FAILURES_KEPT, Sources
from .stories import Stories
from .translations import Translations


class Store(Sources, Content, Translations, Outlets, Stories, Answers, Chats, Outbox,
            Retention):
    """One open store: every subject's reads and writes over one connection."""


__all__ = [
    "MIGRATIONS", "URL_FAILURES_KEPT", "AnswerIndexRow", "AnswerState", "ChatRow", "Connection",
    "DigestPart", "Forgot", "LatestStoryRow", "LearnedPattern", "PendingSentence", "SentPart",
    "SourceRow", "Store", "TermsNeeded", "UnsentDigest", "UrlFailure",
]
