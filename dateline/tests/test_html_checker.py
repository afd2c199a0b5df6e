"""Every page type and every email's HTML, checked by the Nu HTML checker in one run.

html5lib only parses; the Nu checker knows what the HTML standard allows (a `<time
datetime>` to the millisecond at most, a `<title>` in every document, ...). It only warns
of a missing `lang`, which this test asks of every document itself. The checker's JVM
starts once for all documents (dateline.testing.vnu).
"""

from datetime import timedelta
from pathlib import Path

import html5lib
import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.images.tests.utils import get_test_image_file

from dateline.comments import actions as comment_actions
from dateline.comments import tokens as comment_tokens
from dateline.comments.edit_tokens import COOKIE_NAME
from dateline.comments.models import CommentSettings, ReplyNotificationAddress
from dateline.core import formstamp
from dateline.core.email import email_message, message_id_make
from dateline.core.models import TransactionalEmail
from dateline.core.views import server_error
from dateline.newsletter import actions as newsletter_actions
from dateline.newsletter import content, selectors, tokens
from dateline.newsletter.models import (
    Campaign,
    CampaignArticle,
    Newsletter,
    Subscriber,
    Subscription,
)
from dateline.newsroom.models import ArticleCorrection, NewsImage, Topic
from dateline.newsroom.tests.factories import AuthorFactory, make_article
from dateline.testing import vnu

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)
ARTICLE_URL = "/middle-east-news/us-gains-support-from-world-powers-vs-isis/"


@pytest.fixture
def stamp():
    """A form handed out a minute ago."""
    with time_machine.travel(timezone.now() - timedelta(minutes=1)):
        return formstamp.issue()


def html_of(message) -> str | None:
    """The HTML part of a message, if it has one."""
    for body, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            return body
    return None


class Documents(dict):
    """Documents by file name, each page read through the test client."""

    def __init__(self, client):
        super().__init__()
        self.client = client

    def page(self, name: str, url: str, *, status: int = 200, post: dict | None = None):
        response = self.client.get(url) if post is None else self.client.post(url, post)
        assert response.status_code == status, (name, url, response.status_code)
        self[f"page-{name}.html"] = response.content.decode()
        return response


def rich_article(section):
    """An article with everything a page can show: picture, bylines, topics, a correction."""
    picture = NewsImage.objects.create(
        title="Ministers at the conference",
        file=ImageFile(get_test_image_file(size=(1600, 1000)), name="conference.png"),
        credit="Jane Doe/Reuters",
    )
    article = make_article(
        section,
        title="Allies line up behind the coalition",
        standfirst="Forty countries pledged help in Paris.",
        body="<p>First paragraph.</p><h2>What next</h2><p>Second paragraph.</p>",
        lead_image=picture,
        lead_image_caption="The conference in Paris.",
        dateline_place="PARIS",
        topics=list(Topic.objects.all()[:2]),
        authors=[AuthorFactory(name="Rana Haddad", slug="rana-haddad", role="Correspondent")],
        guests=["Guest Writer"],
    )
    ArticleCorrection.objects.create(
        page=article,
        note="An earlier version misstated the number of countries.",
        at=timezone.now() - timedelta(minutes=5),
    )
    return article


def pages(documents: Documents, *, article, rich, author) -> None:
    now = timezone.localtime()
    documents.page("front", "/")
    documents.page("section", article.get_parent().url)
    documents.page("article", ARTICLE_URL)
    documents.page("article-rich", rich.url)
    documents.page("topic", reverse("newsroom:topic", args=["isis"]))
    documents.page("author", author.get_absolute_url())
    documents.page("archive", reverse("newsroom:archive"))
    documents.page("archive-year", reverse("newsroom:archive_year", args=[now.year]))
    documents.page("archive-month", reverse("newsroom:archive_month", args=[now.year, now.month]))
    documents.page(
        "archive-day", reverse("newsroom:archive_day", args=[now.year, now.month, now.day])
    )
    documents.page("search-results", reverse("newsroom:search") + "?q=coalition")
    documents.page("search-none", reverse("newsroom:search") + "?q=zebracrossing")
    documents.page("search-empty", reverse("newsroom:search"))
    documents.page("not-found", "/no-such-page/", status=404)
    documents["page-server-error.html"] = server_error(None).content.decode()
    documents["page-unavailable.html"] = render_to_string(  # while the database is away
        "503.html", {"message": "The site cannot reach its database just now."}
    )


def comment_pages(documents: Documents, *, article) -> None:
    client = documents.client
    first = comment_actions.comment_post(
        article=article, name="Layla", email="layla@example.com", body="Who pays for *this*?"
    ).comment
    reply = comment_actions.comment_post(
        article=article,
        name="Omar",
        email="omar@example.com",
        body="> Who pays\n\nThe taxpayers, as ever. See https://example.com/budget",
        parent_id=first.pk,
    )
    client.cookies[COOKIE_NAME] = f"{reply.comment.pk}:{reply.edit_token}"
    documents.page("article-with-comments", ARTICLE_URL + "?csort=oldest")
    documents.page("comment", reverse("comments:detail", args=[reply.comment.pk]))
    documents.page("comment-reply", reverse("comments:reply", args=[first.pk]))
    documents.page("comment-edit", reverse("comments:edit", args=[reply.comment.pk]))
    documents.page("comment-delete", reverse("comments:delete", args=[reply.comment.pk]))
    documents.page("comment-report", reverse("comments:report", args=[first.pk]))
    documents.page(
        "comment-post-refused",
        reverse("comments:post"),
        status=400,
        post={"article": article.pk, "name": "", "email": "not an address", "body": ""},
    )
    documents.page("erase", reverse("comments:erase"))
    documents.page("erase-sent", reverse("comments:erase"), post={"email": "layla@example.com"})
    erase = comment_tokens.make(comment_tokens.ERASE, "layla@example.com")
    documents.page("erase-confirm", reverse("comments:erase_confirm", args=[erase]))
    confirm = comment_tokens.make(comment_tokens.CONFIRM_NOTIFICATIONS, "layla@example.com")
    documents.page("notify-confirm", reverse("comments:notify_confirm", args=[confirm]))
    documents.page("notify-confirmed", reverse("comments:notify_confirm", args=[confirm]), post={})
    leave = comment_tokens.make(comment_tokens.UNSUBSCRIBE, "omar@example.com")
    documents.page("notify-unsubscribe", reverse("comments:notify_unsubscribe", args=[leave]))
    documents.page(
        "notify-unsubscribed", reverse("comments:notify_unsubscribe", args=[leave]), post={}
    )
    documents.page("notify-bad-link", reverse("comments:notify_confirm", args=["x"]), status=400)


def newsletter_pages(documents: Documents, *, stamp: str) -> Subscriber:
    signup = reverse("newsletter:signup")
    documents.page("signup", signup)
    documents.page(
        "signup-refused",
        signup,
        status=400,
        post={"source": "page", "email": "", "issued": stamp},
    )
    documents.page(
        "signup-done",
        signup,
        post={"source": "page", "email": "reader@example.com", "issued": stamp},
    )
    subscriber = Subscriber.objects.get(email="reader@example.com")
    confirm = reverse("newsletter:confirm", args=[tokens.confirm_token(subscriber)])
    documents.page("confirm", confirm)
    documents.page("welcome", confirm, post={})
    subscriber.refresh_from_db()
    manage = reverse("newsletter:manage", args=[tokens.manage_token(subscriber)])
    documents.page("preferences", manage)
    documents.page("preferences-refused", manage, status=400, post={"action": "change_email"})
    documents.page("preferences-bad-link", reverse("newsletter:manage", args=["x"]), status=400)
    change = reverse("newsletter:change", args=[tokens.change_token(subscriber, "new@example.com")])
    documents.page("change-address", change)
    leave = reverse("newsletter:unsubscribe", args=[tokens.unsubscribe_token(subscriber)])
    documents.page("unsubscribe", leave)
    now = timezone.now()
    leaver = Subscriber.objects.create(
        email="leaver@example.com",
        email_key="leaver@example.com",
        status=Subscriber.Status.CONFIRMED,
        created_at=now,
        confirmed_at=now,
    )
    leave = reverse("newsletter:unsubscribe", args=[tokens.unsubscribe_token(leaver)])
    documents.page("unsubscribed", leave, post={})
    documents.page("change-address-done", change, post={})
    subscriber.refresh_from_db()
    return subscriber


def emails(documents: Documents, *, rich, subscriber) -> set[str]:
    """Every transactional email as the worker makes it when it goes (its composer, its
    templates); returns the template sets covered."""
    now = timezone.now()

    def compose(kind: str, to: str, **params) -> None:
        queued = TransactionalEmail(
            kind=kind, to=to, params=params, created_at=now, queued_at=now, next_attempt_at=now
        )
        message = email_message(queued, message_id=message_id_make())
        covered.add(kind)
        if (markup := html_of(message)) is not None:
            documents[f"email-{kind.replace('/', '-')}.html"] = markup

    covered: set[str] = set()
    pending = Subscriber.objects.create(
        email="pending@example.com", email_key="pending@example.com", created_at=now
    )
    for kind in ("newsletter/confirm", "newsletter/already", "newsletter/welcome"):
        compose(kind, pending.email, subscriber_id=pending.pk)
    compose("newsletter/change", "new@example.com", subscriber_id=subscriber.pk)
    compose("comments/confirm_notifications", "sami@example.com")
    compose("comments/erase", "layla@example.com")
    parent = comment_actions.comment_post(
        article=rich,
        name="Layla",
        email="layla@example.com",
        body="A question.",
        notify_replies=True,
    ).comment
    ReplyNotificationAddress.objects.update_or_create(
        email="layla@example.com", defaults={"confirmed_at": now}
    )
    reply = comment_actions.comment_post(
        article=rich,
        name="Omar",
        email="omar@example.com",
        body="An *answer*, with a [link](https://example.com/).",
        parent_id=parent.pk,
    ).comment
    compose("comments/reply", "layla@example.com", reply_id=reply.pk)
    compose("comments/moderator_digest", "editor@localhost", held=[reply.pk], reported=[parent.pk])
    editor = get_user_model().objects.create_superuser("editor", "editor@localhost", "pw-1234!")
    compose("core/password_reset", editor.email, user_id=editor.pk)
    return covered


def newsletters(documents: Documents, *, articles, subscriber) -> set[str]:
    """An issue, a digest by section and a breaking-news alert, as each reader gets them."""
    issue = Campaign.objects.get(subject="The Middle East this week")
    Subscription.objects.get_or_create(
        subscriber=subscriber, newsletter=issue.newsletter, defaults={"created_at": timezone.now()}
    )
    newsletter_actions.campaign_start(campaign=issue)
    digest = Campaign.objects.create(
        newsletter=Newsletter.objects.get(kind=Newsletter.Kind.DIGEST),
        kind=Campaign.Kind.DIGEST,
        subject="Daily digest: 2 new articles",
    )
    for position, item in enumerate(articles):
        CampaignArticle.objects.create(campaign=digest, article=item, sort_order=position)
    alerted = newsletter_actions.article_alert_send(article=articles[-1])
    assert alerted, "no breaking-news alert was started"
    variants = {
        "issue": issue.variants.get(),
        "digest": content.variant_render(
            campaign=digest,
            key="all",
            items=content.article_items(selectors.campaign_articles(digest)),
            by_section=True,
        ),
        "alert": alerted[0].variants.get(),
    }
    for name, variant in variants.items():
        message = content.message_build(
            campaign=variant.campaign,
            newsletter=variant.campaign.newsletter,
            variant=variant,
            subscriber=subscriber,
        )
        documents[f"email-newsletter-{name}.html"] = html_of(message)
    documents.page("newsletter-issue", reverse("newsletter:issue", args=[issue.pk]))
    return {"newsletter/issue"}


def stylesheets_and_images() -> dict[str, str]:
    found = {}
    for pattern in ("dateline/static/**/*.css", "dateline/*/static/**/*.css", "dateline/**/*.svg"):
        for path in ROOT.glob(pattern):
            found[f"asset-{path.parent.name}-{path.name}"] = path.read_text(encoding="utf-8")
    return found


def lacking_lang_or_title(documents: dict[str, str]) -> list[str]:
    """HTML documents without a language or a title (the checker only warns of the first)."""
    lacking = []
    for name, markup in documents.items():
        if name.endswith(".html"):
            root = html5lib.parse(markup, namespaceHTMLElements=False)
            title = root.find("head/title")
            if not root.get("lang") or title is None or not (title.text or "").strip():
                lacking.append(name)
    return lacking


def email_templates_with_html() -> set[str]:
    """Template sets (`comments/reply`) that have an HTML part, wherever they live."""
    return {
        str(path.parent.relative_to(path.parents[2]))
        for path in ROOT.glob("dateline/**/templates/email/*/*/body.html")
    }


def test_every_page_type_and_email_passes_the_nu_html_checker(
    client, demo_article, settings, stamp
):
    vnu.require_checker()
    settings.COMMENTS_MIN_FILL_SECONDS = 0
    for row in CommentSettings.objects.all():
        row.moderation, row.hold_links = "immediate", False
        row.save()
    rich = rich_article(demo_article.get_parent())
    documents = Documents(client)
    pages(documents, article=demo_article, rich=rich, author=rich.bylines.first().author)
    comment_pages(documents, article=demo_article)
    subscriber = newsletter_pages(documents, stamp=stamp)
    covered = emails(documents, rich=rich, subscriber=subscriber)
    covered |= newsletters(documents, articles=[demo_article, rich], subscriber=subscriber)
    documents.update(stylesheets_and_images())
    # An email added later is checked too, or this test says it is missing.
    assert email_templates_with_html() <= covered

    assert lacking_lang_or_title(documents) == []

    problems = vnu.check_documents(documents)

    assert not problems, f"The Nu HTML checker found errors:\n{vnu.report(problems)}"
