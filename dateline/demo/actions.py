"""The demo newsroom of `make run`: the reference article, word for word, in its section."""

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.utils.html import escape
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page, Site

from dateline.comments.actions import thread_state_set
from dateline.comments.models import CommentSettings, CommentThread
from dateline.core.sites import default_site
from dateline.newsletter.models import Campaign, CampaignArticle, MailingListSettings, Newsletter
from dateline.newsroom.actions import article_publish
from dateline.newsroom.models import (
    ArticleCitation,
    ArticlePage,
    HomePage,
    NewsImage,
    NewsroomSettings,
    SectionPage,
    Source,
    Topic,
    TopicAlias,
)

CONTENT = Path(__file__).with_name("content.json")
# Drawn for the demo (the .svg beside it, rendered to PNG): 60 pixels high, as publisher
# logos are.
LOGO = Path(__file__).with_name("dateline-demo-logo.png")
EDITOR_USERNAME = "editor"


@dataclass
class DemoLogin:
    username: str
    password: str | None


def load_content() -> dict:
    return json.loads(CONTENT.read_text(encoding="utf-8"))


@transaction.atomic
def demo_content_load() -> HomePage:
    """Create the demo site once; running it again changes nothing."""
    content = load_content()
    home = _home(content["newsroom"])
    _logo(NewsroomSettings.objects.get(site__root_page=home))
    sections = {spec["slug"]: _section(home, spec) for spec in content["sections"]}
    sources = {spec["name"]: _source(spec) for spec in content["sources"]}
    topics = {spec["slug"]: _topic(spec) for spec in content["topics"]}
    for spec in content["articles"]:
        _article(sections[spec["section"]], spec, sources, topics)
    _newsletters(sections.values())
    _draft_issue()
    return home


def _draft_issue() -> None:
    """A newsletter issue ready to preview, test and send from admin → Newsletter sends."""
    newsletter = Newsletter.objects.get(slug="middle-east-news")
    if Campaign.objects.filter(newsletter=newsletter).exists():
        return
    campaign = Campaign.objects.create(
        newsletter=newsletter,
        subject="The Middle East this week",
        intro="The coalition against ISIS is growing. Here is what happened this week.",
    )
    for position, article in enumerate(
        ArticlePage.objects.live().order_by("-first_published_at")[:3]
    ):
        CampaignArticle.objects.create(campaign=campaign, article=article, sort_order=position)


def _newsletters(sections) -> None:
    """The demo's lists: a daily digest, breaking news, and one per section."""
    specs = [
        ("daily-digest", "Daily digest", Newsletter.Kind.DIGEST, None, True),
        ("breaking-news", "Breaking news", Newsletter.Kind.BREAKING, None, True),
        *(
            (section.slug, section.title, Newsletter.Kind.SECTION, section, False)
            for section in sections
        ),
    ]
    for position, (slug, name, kind, section, default) in enumerate(specs):
        Newsletter.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "section": section,
                "selected_by_default": default,
                "position": position,
            },
        )


def _home(newsroom: dict) -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        root = _tree_root()
        # Wagtail's initial "Welcome to your new Wagtail site!" page.
        Page.objects.filter(depth=2, slug="home", content_type__model="page").delete()
        root.refresh_from_db()
        home = root.add_child(instance=HomePage(title=newsroom["name"], slug="home"))
        home.save_revision().publish()
    url = urlsplit(settings.SITE_URL)
    site = default_site() or Site(is_default_site=True)
    site.hostname = url.hostname or "localhost"
    site.port = url.port or (443 if url.scheme == "https" else 80)
    site.root_page = home
    site.site_name = newsroom["name"]
    site.save()
    NewsroomSettings.objects.update_or_create(
        site=site, defaults={key: newsroom[key] for key in ("name", "tagline", "language")}
    )
    CommentSettings.objects.get_or_create(site=site)
    MailingListSettings.objects.get_or_create(site=site)
    return home


def _logo(newsroom: NewsroomSettings) -> None:
    """The demo newsroom's logo (the publisher's logo in articles' JSON-LD), unless an editor
    chose one; its file is stored once, whoever loads the demo again."""
    if newsroom.logo_id:
        return
    storage = NewsImage._meta.get_field("file").storage
    name = f"original_images/{LOGO.name}"
    if not storage.exists(name):
        with LOGO.open("rb") as logo_file:
            name = storage.save(name, File(logo_file))
    if Collection.get_first_root_node() is None:  # Wagtail's migrations make it; a flush not
        Collection.add_root(name="Root")
    newsroom.logo = NewsImage.objects.create(title=f"{newsroom.name} logo", file=name)
    newsroom.save()


def _tree_root() -> Page:
    """The page tree's root, which Wagtail's migrations create (a flushed database has none)."""
    root = Page.get_first_root_node()
    if root is None:
        if not Locale.objects.exists():
            Locale.objects.create(
                language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
            )
        root = Page.add_root(instance=Page(title="Root", slug="root"))
    return root


def _section(home: HomePage, spec: dict) -> SectionPage:
    section = SectionPage.objects.child_of(home).filter(slug=spec["slug"]).first()
    if section is None:
        section = home.add_child(
            instance=SectionPage(title=spec["title"], slug=spec["slug"], intro=spec["intro"])
        )
        section.save_revision().publish()
    return section


def _source(spec: dict) -> Source:
    source, _ = Source.objects.get_or_create(
        name=spec["name"],
        kind=spec["kind"],
        defaults={"url": spec["url"], "description": spec.get("description", "")},
    )
    return source


def _topic(spec: dict) -> Topic:
    topic, created = Topic.objects.get_or_create(
        slug=spec["slug"], defaults={"name": spec["name"], "description": spec["description"]}
    )
    if created:
        for order, (name, slug) in enumerate(spec["aliases"]):
            TopicAlias.objects.create(topic=topic, name=name, slug=slug, sort_order=order)
    return topic


def _article(section: SectionPage, spec: dict, sources: dict, topics: dict) -> ArticlePage:
    article = ArticlePage.objects.child_of(section).filter(slug=spec["slug"]).first()
    if article is not None:
        return article
    article = ArticlePage(
        title=spec["headline"],
        slug=spec["slug"],
        body="".join(f"<p>{escape(paragraph)}</p>" for paragraph in spec["paragraphs"]),
        live=False,
    )
    article.topics = [topics[slug] for slug in spec["topics"]]
    article.citations = [
        ArticleCitation(
            source=sources[citation["source"]], note=citation["note"], url=citation.get("url", "")
        )
        for citation in spec["citations"]
    ]
    section.add_child(instance=article)
    article_publish(article=article)
    # The demo's conversation stays open whenever the demo is run, not only for 14 days.
    thread_state_set(article=article, state=CommentThread.State.OPEN, by=None)
    return article


def demo_editor_ensure(password_file: Path) -> DemoLogin:
    """A superuser to explore the admin with; its password is kept in var/ for `make run`."""
    user_model = get_user_model()
    if user_model.objects.filter(username=EDITOR_USERNAME).exists():
        password = password_file.read_text().strip() if password_file.exists() else None
        return DemoLogin(EDITOR_USERNAME, password)
    password = secrets.token_urlsafe(12)
    user_model.objects.create_superuser(EDITOR_USERNAME, "editor@localhost", password)
    password_file.write_text(password + "\n")
    password_file.chmod(0o600)
    return DemoLogin(EDITOR_USERNAME, password)
