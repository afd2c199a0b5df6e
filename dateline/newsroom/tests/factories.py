import itertools

import factory
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Page

from dateline.newsroom.actions import article_publish, article_search_refresh
from dateline.newsroom.models import (
    ArticleByline,
    ArticlePage,
    Author,
    HomePage,
    SectionPage,
    Source,
    Topic,
    TopicAlias,
)

_serial = itertools.count(1)


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Reporter {n}")
    slug = factory.Sequence(lambda n: f"reporter-{n}")
    bio = "Covers the region."


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class TopicAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TopicAlias

    topic = factory.SubFactory(TopicFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")
    slug = factory.Sequence(lambda n: f"alias-{n}")


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = Source.Kind.WIRE


def make_home() -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        from dateline.demo.actions import _home

        home = _home({"name": "Test Times", "tagline": "", "language": "en"})
    return home


def make_section(parent=None, *, title="World", slug=None, publish=True) -> SectionPage:
    parent = parent or make_home()
    section = parent.add_child(
        instance=SectionPage(title=title, slug=slug or title.lower(), live=False)
    )
    if publish:
        section.save_revision().publish()
    return section


def make_article(
    section,
    *,
    title="A headline",
    slug=None,
    body="<p>Body text.</p>",
    topics=(),
    authors=(),
    guests=(),
    publish=True,
    first_published_at=None,
    **fields,
) -> ArticlePage:
    article = ArticlePage(
        title=title,
        slug=slug or f"{slugify(title)}-{next(_serial)}",
        body=body,
        live=False,
        **fields,
    )
    article.topics = list(topics)
    # Numbered as the editor's InlinePanel numbers them: listings show them in this order.
    article.bylines = [
        ArticleByline(sort_order=position, **byline)
        for position, byline in enumerate(
            [{"author": author} for author in authors] + [{"guest_name": name} for name in guests]
        )
    ]
    section.add_child(instance=article)
    if publish:
        article_publish(article=article)
        if first_published_at is not None:
            Page.objects.filter(pk=article.pk).update(first_published_at=first_published_at)
            article_search_refresh(article_ids=[article.pk])
        article = ArticlePage.objects.get(pk=article.pk)
    return article


def now():
    return timezone.now()
