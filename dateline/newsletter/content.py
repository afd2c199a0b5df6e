"""What a send says: rendered once per variant, personalised per recipient by substitution.

Rendering the templates and inlining the CSS (css-inline) happen once per variant, when the
send starts; each recipient's message is then the frozen text with their own links put in,
so a send of 100,000 costs 100,000 string replacements, not 100,000 template renders, and
an article edited mid-send does not change what the rest of the list receives.
"""

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from functools import cache
from html import escape

import css_inline
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from dateline.core.email import email_build
from dateline.core.links import absolute_url
from dateline.core.sites import default_site
from dateline.newsroom.bylines import byline_text
from dateline.newsroom.models import NewsroomSettings

from . import tokens
from .models import Campaign, CampaignVariant, Newsletter, Subscriber

# Stand-ins for the personal parts, replaced per recipient; they survive HTML escaping and
# CSS inlining unchanged.
UNSUBSCRIBE = "@@dl-unsubscribe@@"
MANAGE = "@@dl-manage@@"
EMAIL = "@@dl-email@@"
INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
MESSAGE_ID = re.compile(r"<?dl\.(\d+)\.(\d+)\.([0-9a-f]{12})@[^>]+>?")


@dataclass(frozen=True)
class ArticleItem:
    title: str
    url: str
    summary: str
    byline: str
    published: datetime
    section_id: int
    section_name: str
    section_path: str


def article_items(articles: Iterable) -> list[ArticleItem]:
    """What a newsletter shows of each article (live articles only)."""
    items = []
    for article in articles:
        section = article.section
        items.append(
            ArticleItem(
                title=article.title,
                url=absolute_url(article.get_url() or article.url_path),
                summary=article.summary,
                byline=byline_text(article.bylines.all()),
                published=article.published_at,
                section_id=section.pk,
                section_name=section.title,
                section_path=section.path,
            )
        )
    return items


def site_name() -> str:
    site = default_site()
    return NewsroomSettings.for_site(site).name if site else settings.WAGTAIL_SITE_NAME


def variant_render(
    *, campaign: Campaign, key: str, items: list[ArticleItem], by_section: bool = False
) -> CampaignVariant:
    """The campaign's message for readers of these articles, HTML inlined, unsaved."""
    groups: list[dict] = []
    if by_section:
        for item in items:
            if not groups or groups[-1]["name"] != item.section_name:
                groups.append({"name": item.section_name, "articles": []})
            groups[-1]["articles"].append(item)
    else:
        groups = [{"name": "", "articles": items}]
    context = {
        "subject": campaign.subject,
        "newsletter": campaign.newsletter,
        "site_name": site_name(),
        "site_url": settings.SITE_URL,
        "date": campaign.period_end or timezone.now(),
        "intro": [p.strip() for p in re.split(r"\n\s*\n", campaign.intro) if p.strip()],
        "groups": groups,
        "view_url": absolute_url(campaign.get_absolute_url()) if campaign.pk else "",
        "unsubscribe_url": UNSUBSCRIBE,
        "manage_url": MANAGE,
        "email": EMAIL,
    }
    html = INLINER.inline(render_to_string("email/newsletter/issue/body.html", context))
    text = render_to_string("email/newsletter/issue/body.txt", context).strip() + "\n"
    return CampaignVariant(
        campaign=campaign,
        key=key,
        subject=campaign.subject,
        html=html,
        text=text,
        article_count=len(items),
    )


def message_id_domain() -> str:
    configured = getattr(settings, "NEWSLETTER_MESSAGE_ID_DOMAIN", "")
    return configured or parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def _message_id_mac(campaign_id: int, subscriber_id: int) -> str:
    data = f"newsletter.message-id:{campaign_id}:{subscriber_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), data, hashlib.sha256).hexdigest()[:12]


def message_id(campaign_id: int, subscriber_id: int) -> str:
    """The same for every attempt at one delivery, so a receiver can spot a repeat."""
    mac = _message_id_mac(campaign_id, subscriber_id)
    return f"<dl.{campaign_id}.{subscriber_id}.{mac}@{message_id_domain()}>"


def message_id_read(value: str) -> tuple[int, int] | None:
    """(campaign id, subscriber id) of one of our Message-IDs, or None if it is not ours."""
    match = MESSAGE_ID.search(value or "")
    if not match:
        return None
    campaign_id, subscriber_id = int(match[1]), int(match[2])
    if not hmac.compare_digest(match[3], _message_id_mac(campaign_id, subscriber_id)):
        return None
    return campaign_id, subscriber_id


def personal_links(
    *, subscriber: Subscriber, newsletter_id: int, campaign_id: int | None
) -> dict[str, str]:
    """The reader's links; unsubscribing leaves `newsletter_id`, the list of the message."""
    token = tokens.unsubscribe_token(
        subscriber, newsletter_id=newsletter_id, campaign_id=campaign_id
    )
    return {
        UNSUBSCRIBE: absolute_url(reverse("newsletter:unsubscribe", args=[token])),
        MANAGE: absolute_url(reverse("newsletter:manage", args=[tokens.manage_token(subscriber)])),
        EMAIL: subscriber.email,
    }


def personalise(template: str, values: Mapping[str, str], *, html: bool) -> str:
    for placeholder, value in values.items():
        template = template.replace(placeholder, escape(value) if html else value)
    return template


@cache
def list_id(slug: str) -> str:
    return f"<{slug}.{message_id_domain()}>"


def message_build(
    *,
    campaign: Campaign,
    newsletter: Newsletter,
    variant: CampaignVariant,
    subscriber: Subscriber,
    connection=None,
    test: bool = False,
):
    """The message for one recipient: their links, and the headers bulk senders must send."""
    links = personal_links(
        subscriber=subscriber,
        newsletter_id=newsletter.pk,
        campaign_id=None if test else campaign.pk,
    )
    headers = {
        "Message-ID": message_id(campaign.pk, subscriber.pk) if not test else "",
        "List-Id": f"{newsletter.name} {list_id(newsletter.slug)}",
        "List-Unsubscribe": f"<{links[UNSUBSCRIBE]}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        # Gmail's feedback loop groups complaints by these identifiers.
        "Feedback-ID": f"{campaign.pk}:{newsletter.slug}:dateline",
    }
    if test:
        del headers["Message-ID"]
    return email_build(
        to=subscriber.email,
        subject=("[Test] " if test else "") + variant.subject,
        text=personalise(variant.text, links, html=False),
        html=personalise(variant.html, links, html=True),
        headers=headers,
        envelope_from=getattr(settings, "NEWSLETTER_BOUNCE_ADDRESS", "") or None,
        connection=connection,
    )
