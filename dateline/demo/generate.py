"""Many generated articles, fast, for measuring search and listings at a newsroom's scale.

Pages are inserted in bulk (Wagtail's tree paths computed here, as treebeard would) and
then indexed as published articles are: readers' search table through its action, and
Wagtail's index through the backend's own `add_bulk`. Text comes from a seeded generator
over a fixed vocabulary: the same run gives the same articles, and nothing comes from the
network.
"""

import itertools
import random
import uuid
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from dateline.demo.vocabulary import WORDS
from dateline.newsroom.actions import article_search_refresh
from dateline.newsroom.models import ArticlePage, SectionPage

CHUNK = 2000
SYLLABLES = "ba ka lo mi ne ra to su vi de ga ho ju ke li mo nu pa ri sa te vo ya zi".split()  # noqa: SIM905


def _vocabulary() -> list[str]:
    """4,000 filler words ranked for a Zipf-like frequency, with the news words spread
    over ranks 600 to 3,600: each is in about 1 to 7 percent of articles, as a name or a
    topic is in a real archive (a tiny vocabulary would match every article)."""
    rng = random.Random(1)
    filler = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(5000)})
    rng.shuffle(filler)
    vocabulary = filler[:4000]
    for rank, word in enumerate(WORDS):
        vocabulary.insert(600 + rank * 25, word)
    return vocabulary


VOCABULARY = _vocabulary()
CUMULATIVE = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(VOCABULARY))))


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def articles_generate(
    *, count: int, seed: int = 2026, index: bool = True, admin_index: bool = True
) -> int:
    """Add `count` live articles spread over the live sections; returns how many. `index`
    makes them searchable by readers; `admin_index` also adds them to Wagtail's index (the
    admin's search, and readers' on SQLite)."""
    rng = random.Random(seed)
    sections = list(SectionPage.objects.live().order_by("path"))
    if not sections:
        raise ValueError("There is no live section to put articles in: load the demo first.")
    content_type = ContentType.objects.get_for_model(ArticlePage)
    now = timezone.now()
    made = 0
    for start in range(0, count, CHUNK):
        with transaction.atomic():
            made += _chunk(rng, sections, content_type, now, start, min(CHUNK, count - start))
    if not index:
        return made
    ids = list(ArticlePage.objects.values_list("pk", flat=True).order_by("pk"))
    article_search_refresh(article_ids=ids)  # readers' search (PostgreSQL)
    if admin_index:
        backend = get_search_backend()
        articles = ArticlePage.objects.prefetch_related("topics", "bylines__author")
        for start in range(0, len(ids), CHUNK):
            backend.add_bulk(ArticlePage, list(articles.filter(pk__in=ids[start : start + CHUNK])))
    return made


def _chunk(rng, sections, content_type, now, offset: int, size: int) -> int:
    by_section: dict[int, list[Page]] = {}
    rows = []
    for n in range(offset, offset + size):
        section = sections[n % len(sections)]
        title = _sentence(rng, 5, 10)[:-1]
        published = now - timedelta(minutes=n * 7 + rng.randint(0, 6))
        slug = f"generated-{n}"
        page = Page(
            title=title,
            draft_title=title,
            slug=slug,
            content_type=content_type,
            depth=section.depth + 1,
            numchild=0,
            url_path=f"{section.url_path}{slug}/",
            live=True,
            has_unpublished_changes=False,
            first_published_at=published,
            last_published_at=published,
            locale_id=section.locale_id,
            translation_key=uuid.UUID(int=rng.getrandbits(128)),
        )
        by_section.setdefault(section.pk, []).append(page)
        body = "".join(
            f"<p>{' '.join(_sentence(rng, 8, 20) for _ in range(rng.randint(3, 6)))}</p>"
            for _ in range(rng.randint(4, 8))
        )
        rows.append((page, _sentence(rng, 15, 30), body))
    for section in sections:
        children = by_section.get(section.pk, [])
        if not children:
            continue
        section.refresh_from_db(fields=["path", "numchild"])
        last = section.get_last_child()
        step = Page._str2int(last.path[-Page.steplen :]) if last else 0
        for page in children:
            step += 1
            page.path = Page._get_path(section.path, section.depth + 1, step)
        Page.objects.filter(pk=section.pk).update(numchild=section.numchild + len(children))
    Page.objects.bulk_create([page for page, _, _ in rows], batch_size=500)
    articles = [
        ArticlePage(page_ptr_id=page.pk, standfirst=standfirst, body=body)
        for page, standfirst, body in rows
    ]
    for article, (page, _, _) in zip(articles, rows, strict=True):
        article.__dict__.update({f.attname: getattr(page, f.attname) for f in Page._meta.fields})
    # Django's bulk_create does not take multi-table models: the article table's own rows.
    fields = [f for f in ArticlePage._meta.local_concrete_fields]
    ArticlePage._base_manager.all()._batched_insert(articles, fields, batch_size=500)
    return len(rows)
