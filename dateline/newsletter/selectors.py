"""What the admin and the command line show of a send (progress and report), and the
reads behind the reader's pages."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from wagtail.models import Site

from dateline.core.sites import default_site
from dateline.newsroom.models import ArticlePage

from . import content
from .addresses import at_blocked_domain, email_key
from .models import (
    Campaign,
    Delivery,
    MailingListSettings,
    Newsletter,
    Subscriber,
    Subscription,
    SuppressedAddress,
)

DStatus = Delivery.Status
RATE_WINDOW = 60


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    failed: int
    deferred: int
    waiting: int
    skipped: int
    in_doubt: int
    cancelled: int
    bounced: int
    complained: int
    unsubscribed: int
    rate: float  # messages a second over the last minute

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.skipped + self.in_doubt + self.cancelled

    @property
    def delivered(self) -> int:
        return self.sent - self.bounced

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100

    @property
    def seconds_left(self) -> int | None:
        remaining = self.waiting + self.deferred
        if not remaining:
            return 0
        return int(remaining / self.rate) if self.rate else None

    def as_dict(self) -> dict:
        return {
            **self.__dict__,
            "delivered": self.delivered,
            "done": self.done,
            "percent": self.percent,
            "seconds_left": self.seconds_left,
        }


def recipients(newsletter: Newsletter):
    """Subscriptions of confirmed, unsuppressed subscribers to `newsletter`."""
    return (
        Subscription.objects.filter(
            newsletter=newsletter, subscriber__status=Subscriber.Status.CONFIRMED
        )
        .exclude(
            Exists(SuppressedAddress.objects.filter(email_key=OuterRef("subscriber__email_key")))
        )
        .order_by("subscriber_id")
    )


def campaign_problems(campaign: Campaign) -> list[str]:
    """Why the campaign cannot go out as it stands (empty if it can)."""
    problems = []
    items = list(campaign.items.select_related("article"))
    if campaign.kind == Campaign.Kind.ISSUE and not items:
        problems.append("Pick at least one article.")
    for item in items:
        if item.article is None:
            problems.append(
                f"“{item.headline or 'An article'}” was deleted: remove it from the issue."
            )
        elif not item.article.live:
            problems.append(f"“{item.article.title}” is not published: publish it or remove it.")
    if not campaign.newsletter.is_active:
        problems.append(f"The newsletter “{campaign.newsletter}” is switched off.")
    return problems


def campaign_next_due(*, campaign_id: int):
    """When the earliest waiting delivery may be tried (None if none is waiting)."""
    return (
        Delivery.objects.filter(
            campaign_id=campaign_id, status__in=[DStatus.QUEUED, DStatus.DEFERRED]
        )
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


def campaign_recipient_count(campaign: Campaign) -> int:
    """How many readers the send goes to: frozen once it started, else who would get it now."""
    if campaign.started_at is not None:
        return campaign.recipients_total
    return recipients(campaign.newsletter).count()


@dataclass(frozen=True)
class MessagePreview:
    subject: str
    html: str
    text: str


def campaign_preview(campaign: Campaign, *, email: str) -> MessagePreview:
    """The message as a recipient gets it (as it went out, once started), addressed to
    `email`, its personal links stand-ins. The caller checks campaign_problems first."""
    variant = campaign.variants.order_by("pk").first()
    if variant is None:
        variant = content.variant_render(
            campaign=campaign,
            key="preview",
            items=content.article_items(campaign_articles(campaign)),
        )
    links = {
        content.UNSUBSCRIBE: "#unsubscribe",
        content.MANAGE: "#preferences",
        content.EMAIL: email,
    }
    return MessagePreview(
        subject=variant.subject,
        html=content.personalise(variant.html, links, html=True),
        text=content.personalise(variant.text, links, html=False),
    )


def campaign_articles(campaign: Campaign) -> list:
    """The campaign's articles that are live, in the editor's order."""
    ids = [item.article_id for item in campaign.items.all() if item.article_id]
    by_id = ArticlePage.objects.live().in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def campaign_withdrawn(campaign: Campaign) -> bool:
    """Whether an article of the issue has since been withdrawn or deleted."""
    return campaign.items.filter(Q(article=None) | Q(article__live=False)).exists()


def campaign_progress(campaign: Campaign) -> Progress:
    """Deliveries by status, the recent rate, and what came back: one query."""
    now = timezone.now()
    window = float(RATE_WINDOW)
    if campaign.started_at:
        window = min(RATE_WINDOW, max(1.0, (now - campaign.started_at).total_seconds()))
    since = now - timedelta(seconds=window)
    c = campaign.deliveries.aggregate(
        **{status.value: Count("pk", filter=Q(status=status)) for status in DStatus},
        bounced=Count("pk", filter=Q(bounced_at__isnull=False)),
        complained=Count("pk", filter=Q(complained_at__isnull=False)),
        unsubscribed=Count("pk", filter=Q(unsubscribed_at__isnull=False)),
        recent=Count("pk", filter=Q(status=DStatus.SENT, sent_at__gte=since)),
    )
    return Progress(
        total=campaign.recipients_total,
        sent=c[DStatus.SENT],
        failed=c[DStatus.FAILED],
        deferred=c[DStatus.DEFERRED],
        waiting=c[DStatus.QUEUED] + c[DStatus.CLAIMED] + c[DStatus.ATTEMPTING],
        skipped=c[DStatus.SKIPPED],
        in_doubt=c[DStatus.IN_DOUBT],
        cancelled=c[DStatus.CANCELLED],
        bounced=c["bounced"],
        complained=c["complained"],
        unsubscribed=c["unsubscribed"],
        rate=c["recent"] / window,
    )


def unsubscribe_newsletter(*, newsletter_id: int | None, campaign_id: int | None):
    """The newsletter an unsubscribe link leaves: the one it names, else its send's (links
    made before they named their list); None if that newsletter no longer exists."""
    if newsletter_id is not None:
        return Newsletter.objects.filter(pk=newsletter_id).first()
    if campaign_id is not None:
        return Newsletter.objects.filter(campaigns__pk=campaign_id).first()
    return None


def newsletters_received(subscriber: Subscriber) -> list[str]:
    """The names of the newsletters a reader still gets."""
    if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return []
    return list(
        subscriber.subscriptions.filter(newsletter__is_active=True)
        .order_by("newsletter__position", "newsletter__name")
        .values_list("newsletter__name", flat=True)
    )


# The list --------------------------------------------------------------------------------


def subscriber_by_email(email: str):
    """The subscriber with this address, in any case, as a queryset (empty if none)."""
    return Subscriber.objects.filter(email_key=email_key(email))


def is_suppressed(email: str) -> bool:
    return SuppressedAddress.objects.filter(email_key=email_key(email)).exists()


def list_settings(site: Site | None = None) -> MailingListSettings:
    return MailingListSettings.for_site(site or default_site())


def may_email(email: str, *, blocked: set[str] | None = None) -> bool:
    """Not suppressed and not at a blocked domain (`blocked`: the site's, unless given)."""
    if blocked is None:
        blocked = list_settings().blocked()
    return not is_suppressed(email) and not at_blocked_domain(email, blocked)


def chosen_newsletters(slugs: Iterable[str] | None) -> list[Newsletter]:
    """The newsletters a form chose; None when it offered no choice: the default ones."""
    active = Newsletter.objects.filter(is_active=True)
    if slugs is None:
        return list(active.filter(selected_by_default=True))
    return list(active.filter(slug__in=list(slugs)))


def subscriber_keys(model, keys: list[str]) -> list[str]:
    """Which of `keys` rows of `model` (Subscriber, SuppressedAddress) have."""
    return list(model.objects.filter(email_key__in=keys).values_list("email_key", flat=True))


def subscriber_export(*, subscriber: Subscriber) -> dict:
    """Everything the list holds about a reader, for them to download."""
    return {
        "email": subscriber.email,
        "status": subscriber.status,
        "created_at": subscriber.created_at.isoformat(),
        "confirmed_at": subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else None,
        "newsletters": [
            s.newsletter.name for s in subscriber.subscriptions.select_related("newsletter")
        ],
        "consent": [
            {
                "action": record.action,
                "at": record.at.isoformat(),
                "source": record.source,
                "copy": record.copy,
                "newsletters": record.newsletters,
            }
            for record in subscriber.consents.all()
        ],
    }


def delivery_for_message(message_id: str, provider_message_id: str) -> Delivery | None:
    """The delivery a bounce or complaint is about: by our signed Message-ID, else by the
    email service's id for it."""
    deliveries = Delivery.objects.select_related("subscriber")
    if ours := content.message_id_read(message_id):
        campaign_id, subscriber_id = ours
        return deliveries.filter(campaign_id=campaign_id, subscriber_id=subscriber_id).first()
    if provider_message_id:
        return deliveries.filter(provider_message_id=provider_message_id).first()
    return None
