from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dateline.newsroom.models import ArticleByline, ArticleCorrection, SectionPage, Source

from .factories import (
    AuthorFactory,
    SourceFactory,
    TopicAliasFactory,
    TopicFactory,
    make_article,
    make_home,
    make_section,
    now,
)

pytestmark = pytest.mark.django_db


def test_byline_must_name_an_author_or_a_guest_not_both_nor_neither():
    article = make_article(make_section())
    author = AuthorFactory()
    for byline in (
        ArticleByline(page=article),
        ArticleByline(page=article, author=author, guest_name="Someone"),
    ):
        with pytest.raises(ValidationError):
            byline.clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            byline.save()
    ArticleByline.objects.create(page=article, guest_name="Guest Writer")
    ArticleByline.objects.create(page=article, author=author)
    assert [b.display_name for b in article.bylines.all()] == ["Guest Writer", author.name]


def test_anonymous_source_cannot_carry_a_link():
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(
            name="An official", kind=Source.Kind.ANONYMOUS, url="https://example.org/"
        )
    Source.objects.create(name="An official", kind=Source.Kind.ANONYMOUS)


def test_source_names_are_unique_per_kind_whatever_the_case():
    SourceFactory(name="Reuters", kind=Source.Kind.WIRE)
    with pytest.raises(IntegrityError), transaction.atomic():
        SourceFactory(name="REUTERS", kind=Source.Kind.WIRE)


def test_topic_slug_and_alias_slugs_cannot_collide():
    alias = TopicAliasFactory(slug="isil")
    clashing_topic = TopicFactory.build(name="ISIL", slug="isil")
    with pytest.raises(ValidationError):
        clashing_topic.clean()
    other = TopicFactory(slug="iraq")
    with pytest.raises(ValidationError):
        TopicAliasFactory.build(topic=alias.topic, slug=other.slug).clean()


def test_top_level_section_cannot_take_a_path_the_site_uses():
    home = make_home()
    for slug in ("feed", "search", "topics", "archive"):
        with pytest.raises(ValidationError, match="path the site uses"):
            home.add_child(instance=SectionPage(title="Clash", slug=slug))
    assert not SectionPage.objects.exists()


def test_subsection_may_use_a_reserved_word_as_slug():
    world = make_section(title="World")
    sub = make_section(world, title="Feed", slug="feed")
    sub.full_clean()


def test_date_modified_is_the_latest_public_correction_or_publication():
    article = make_article(make_section())
    assert article.date_modified == article.first_published_at
    later = article.first_published_at + timedelta(hours=3)
    ArticleCorrection.objects.create(page=article, at=later, note="Fixed a name.")
    article.refresh_from_db()
    assert article.date_modified == later


def test_summary_is_the_standfirst_or_the_opening_words_of_the_body():
    section = make_section()
    with_standfirst = make_article(section, standfirst="Short summary.")
    assert with_standfirst.summary == "Short summary."
    without = make_article(section, body="<p>First paragraph.</p><p>Second one.</p>")
    assert without.summary == "First paragraph. Second one."


def test_caption_without_a_lead_image_is_refused():
    article = make_article(make_section(), publish=False)
    article.lead_image_caption = "A caption for nothing"
    with pytest.raises(ValidationError):
        article.full_clean()


def test_primary_section_is_the_parent_section():
    world = make_section(title="World")
    middle_east = make_section(world, title="Middle East", slug="middle-east")
    article = make_article(middle_east)
    assert article.section == middle_east


def test_corrections_are_listed_oldest_first():
    article = make_article(make_section())
    second = ArticleCorrection.objects.create(page=article, at=now(), note="Second")
    first = ArticleCorrection.objects.create(
        page=article, at=now() - timedelta(days=1), note="First"
    )
    assert list(article.corrections.all()) == [first, second]


def test_a_scheduled_pages_status_says_when_in_the_editors_time_zone():
    from django.utils import timezone

    from dateline.newsroom.actions import article_publish

    article = make_article(make_section(), publish=False)
    article.go_live_at = (now() + timedelta(days=2)).replace(second=0, microsecond=0)
    article_publish(article=article)
    article = type(article).objects.get(pk=article.pk)
    when = timezone.localtime(article.go_live_at)
    assert article.status_string == f"scheduled for {when.day} {when:%b %Y %H:%M} UTC"
    with timezone.override("Asia/Dubai"):
        assert article.status_string.endswith("+04")
    assert make_article(make_section(title="Sport")).status_string == "live"
