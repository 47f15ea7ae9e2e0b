"""Store content, translations and stories read by id lists longer than one ``IN (?, …)``
chunk: every reader built on ``select_in`` gives the whole answer, in its order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from briefings.models import CleanArticle
from briefings.store import PendingSentence, Store
from briefings.store.connection import CHUNK, select_in
from briefings.text import content_hash, sentence_hash

N = CHUNK + 37  # more than one chunk


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "db.sqlite3")
    yield store
    store.close()


def add(store: Store, n: int) -> list[int]:
    src = store.source_id("s", "folder", ".")
    ids = []
    for i in range(n):
        body = f"نص الخبر رقم {i}."
        art = CleanArticle(source="s", location=f"{i}", url=f"https://a/{i}", headline=f"خبر {i}",
                           sentences=(body,), language="ar", content_hash=content_hash(body),
                           outlet="Okaz", byline=None, dateline=None, published=None,
                           truncated=False)
        article_id = store.add_article(src, art)
        assert article_id is not None
        ids.append(article_id)
    return ids


def test_select_in_runs_chunk_by_chunk(store: Store) -> None:
    values = list(range(2 * CHUNK + 1))
    rows = select_in(store.db, "SELECT value FROM json_each(?) WHERE value IN ({in}) "
                     "OR value IN ({in})", values, str(values).replace(" ", ""))
    assert sorted(r[0] for r in rows) == values
    assert list(select_in(store.db, "SELECT 1 WHERE 1 IN ({in})", [])) == []


def test_readers_by_id_give_every_row_past_one_chunk(store: Store) -> None:
    ids = add(store, N)
    backwards = ids[::-1]
    assert [a.id for a in store.articles(backwards)] == ids  # by id, as one query gave
    assert [a.id for a in store.articles([ids[0], ids[0]])] == [ids[0]]
    sentences = store.sentences(backwards)
    assert list(sentences) == backwards and all(len(s) == 2 for s in sentences.values())
    by_id = store.sentences_by_id(s.id for ss in sentences.values() for s in ss)
    assert len(by_id) == 2 * N
    assert store.resolve_urls(f"https://a/{i}" for i in range(N + 5)) == {
        f"https://a/{i}": a for i, a in enumerate(ids)}
    pending = store.pending_sentences(by_id)
    assert len(pending) == 2 * N and isinstance(pending[0], PendingSentence)
    assert store.pending_sentences() == sorted(pending, key=lambda p: p.id)
    assert store.article_terms(ids) == dict.fromkeys(ids)
    assert store.unassigned_articles(ids) == ids
    stories = store.assign_stories([(a, -1, 1.0) for a in ids])
    (story,) = set(stories.values())
    assert store.story_articles([story]) == {story: ids}
    assert store.stories_of(ids) == dict.fromkeys(ids, story)
    assert store.unassigned_articles(ids) == []
    assert [(s.story_id, s.articles) for s in store.latest_stories(5)] == [(story, N)]


def test_translation_cache_and_claims_past_one_chunk(store: Store) -> None:
    add(store, N)
    pending = store.pending_sentences()
    hashes = list(dict.fromkeys(p.src_hash for p in pending))
    done = [(p.id, f"en {p.text}") for p in pending[:CHUNK + 3]]
    new = {p.src_hash: t for p, (_, t) in zip(pending, done, strict=False)}
    store.save_translations("argos", new, done)
    assert store.cached_translations("argos", hashes) == new
    assert store.cached_translations("other", hashes) == {}
    finished, mine = store.claim_translations("argos", hashes, timedelta(minutes=5))
    assert finished == new and mine == [h for h in hashes if h not in new]
    _, again = store.claim_translations("argos", hashes, timedelta(minutes=5))
    assert again == []  # claimed by a live run: neither done nor mine
    assert store.pending_count() == len(pending) - len(done)
    assert sentence_hash("x") not in store.cached_translations("argos", [sentence_hash("x")])
