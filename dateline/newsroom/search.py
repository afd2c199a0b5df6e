"""Readers' search on PostgreSQL: a narrow table of the live, public articles.

Wagtail's index (wagtailsearch_indexentry) serves the admin. Readers' search needs more
speed than it gives at a newsroom's scale: its rows are wide (two text copies beside the
vectors) and hold drafts too, so every match cost a wide row and a join to the page to
learn whether it is live and when it was published (p95 170 ms at 100,000 articles). Here a
row holds only what search reads: the article, its publication time, a small `lead` vector
(headline A; standfirst and topics B) kept inline, and the whole `document` (lead, body and
bylines), kept out of line behind a GIN index.

Best match ranks every match on its lead (cheap: the vector is in the row), newest first on
ties, then re-ranks the first RERANKED of those on the whole document. Newest first is the
publication order. Rows are written by `actions.article_search_refresh` when an article is
published, withdrawn or its privacy, topics or authors change; SQLite (the embedded setup)
uses Wagtail's FTS5 backend instead.
"""

import re

from django.conf import settings
from django.db import connection

RERANKED = 100

_UPSERT = """
INSERT INTO newsroom_articlesearchentry (article_id, published_at, lead, document)
SELECT v.id, v.published_at, v.lead, v.lead || setweight(to_tsvector(v.config, v.body), 'D')
FROM (
    SELECT %(id)s::integer AS id, %(published_at)s::timestamptz AS published_at,
           %(config)s::regconfig AS config, %(body)s::text AS body,
           setweight(to_tsvector(%(config)s::regconfig, %(headline)s), 'A')
           || setweight(to_tsvector(%(config)s::regconfig, %(standfirst)s), 'B') AS lead
) v
ON CONFLICT (article_id) DO UPDATE
SET published_at = EXCLUDED.published_at, lead = EXCLUDED.lead, document = EXCLUDED.document
"""

_COUNT = """
SELECT count(*) FROM newsroom_articlesearchentry,
    plainto_tsquery(%(config)s::regconfig, %(words)s) q
WHERE document @@ q
"""

_NEWEST = """
SELECT article_id FROM newsroom_articlesearchentry,
    plainto_tsquery(%(config)s::regconfig, %(words)s) q
WHERE document @@ q
ORDER BY published_at DESC, article_id DESC LIMIT %(limit)s OFFSET %(offset)s
"""

# Best match: every match ranked on its lead (the vector is in the row), newest first on
# ties; the first RERANKED of those are ranked again on the whole text, normalised by its
# length. So the cost stays bounded when a word is in every tenth article.
_BEST_RERANKED = """
SELECT article_id FROM (
    SELECT article_id, published_at, document, q, ts_rank(lead, q) AS lead_rank
    FROM newsroom_articlesearchentry, plainto_tsquery(%(config)s::regconfig, %(words)s) q
    WHERE document @@ q
    ORDER BY lead_rank DESC, published_at DESC, article_id DESC LIMIT %(reranked)s
) candidates
ORDER BY ts_rank(document, q, 1) DESC, lead_rank DESC, published_at DESC, article_id DESC
LIMIT %(limit)s OFFSET %(offset)s
"""

_BEST_AFTER = """
SELECT article_id FROM newsroom_articlesearchentry,
    plainto_tsquery(%(config)s::regconfig, %(words)s) q
WHERE document @@ q
ORDER BY ts_rank(lead, q) DESC, published_at DESC, article_id DESC
LIMIT %(limit)s OFFSET %(offset)s
"""


def words_of(query: str) -> str:
    """Only words reach either engine: quotes, brackets, stars and upper-case AND/OR/NOT
    are query syntax to SQLite FTS5 and PostgreSQL, and a reader's typo must not be an error."""
    return " ".join(re.findall(r"\w+", query.lower()))


def available() -> bool:
    return connection.vendor == "postgresql"


def config() -> str:
    return settings.NEWSROOM_SEARCH_CONFIG


def rows_write(rows: list[dict]) -> None:
    """Insert or replace rows: dicts of id, published_at, headline, standfirst, body."""
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(_UPSERT, [{**row, "config": config()} for row in rows])


def rows_delete(article_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM newsroom_articlesearchentry WHERE article_id = ANY(%s)", [article_ids]
        )


class Results:
    """Matching article ids in order, sliceable and countable as Django's Paginator wants;
    a slice is the articles themselves, loaded by `load(ids)` in that order."""

    def __init__(self, words: str, *, newest_first: bool, load):
        self.params = {"config": config(), "words": words, "reranked": RERANKED}
        self.newest_first = newest_first
        self.load = load

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(_COUNT, self.params)
            return cursor.fetchone()[0]

    def __getitem__(self, window: slice):
        start, stop = window.start or 0, window.stop
        if self.newest_first:
            ids = self._ids(_NEWEST, start, stop)
        else:  # The re-ranked candidates first, then the rest in lead order.
            ids = self._ids(_BEST_RERANKED, start, min(stop, RERANKED))
            ids += self._ids(_BEST_AFTER, max(start, RERANKED), stop)
        found = self.load(ids)
        return [found[pk] for pk in ids if pk in found]

    def _ids(self, sql: str, start: int, stop: int) -> list[int]:
        if stop <= start:
            return []
        with connection.cursor() as cursor:
            cursor.execute(sql, {**self.params, "limit": stop - start, "offset": start})
            return [row[0] for row in cursor.fetchall()]
