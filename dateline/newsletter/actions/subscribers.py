"""Every change to the mailing list goes through here: signup, confirmation, unsubscribing.

Signing up answers the same way, and does the same work, whatever the address's state (new,
pending, confirmed, unsubscribed), so neither the answer nor its timing reveals who is on
the list. Emails are queued with the change that decides them (dateline.core.email: retried
until the mail server takes them, daily caps counted only then) and made by
dateline.newsletter.notifications when they go.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import Site

from dateline.core.actions import email_queue
from dateline.core.ratelimit import claim_once
from dateline.newsroom.models import SectionPage

# A module, not its tasks: dateline.newsletter.tasks imports these actions.
from .. import tasks
from ..addresses import email_key, email_normalise, mailbox_cap
from ..errors import SignupRefused
from ..hashes import ip_hash
from ..models import (
    ConsentRecord,
    Delivery,
    Newsletter,
    Subscriber,
    Subscription,
    SuppressedAddress,
)
from ..selectors import (
    chosen_newsletters,
    is_suppressed,
    list_settings,
    may_email,
    subscriber_by_email,
)

Status = Subscriber.Status

__all__ = [
    "Confirmed",
    "address_suppress",
    "address_unsuppress",
    "pending_subscribers_purge",
    "subscriber_confirm",
    "subscriber_delete",
    "subscriber_email_change",
    "subscriber_email_change_request",
    "subscriber_preferences_set",
    "subscriber_signup",
    "subscriber_unsubscribe",
]


@dataclass(frozen=True)
class Confirmed:
    subscriber: Subscriber
    already: bool


def subscriber_signup(
    *,
    email: str,
    newsletter_slugs: Iterable[str] | None = None,
    source: str,
    ip: str | None = None,
    site: Site | None = None,
) -> None:
    """Ask the owner of `email` to confirm, or, if confirmed already, tell them so.

    At most NEWSLETTER_CONFIRMATIONS_PER_DAY emails a day go to one address, so the form
    cannot be used to flood someone's inbox. Raises SignupRefused for an unusable address.
    """
    email = email_normalise(email)
    now = timezone.now()
    newsletters = chosen_newsletters(newsletter_slugs)
    if not newsletters:
        raise SignupRefused("Choose at least one newsletter.")
    mailing = list_settings(site)
    allowed = may_email(email, blocked=mailing.blocked())
    with transaction.atomic():
        Subscriber.objects.bulk_create(
            [Subscriber(email=email, email_key=email_key(email), created_at=now)],
            ignore_conflicts=True,
        )
        subscriber = subscriber_by_email(email).select_for_update().get()
        current = [s.newsletter for s in subscriber.subscriptions.select_related("newsletter")]
        if subscriber.status == Status.CONFIRMED:
            # The same statements as for any other address, so the time taken tells nothing;
            # a confirmed reader's newsletters change only from their preferences page.
            template = "newsletter/already"
            newsletters = current
        else:
            template = "newsletter/confirm"
            subscriber.status = Status.PENDING
        subscriber.subscriptions.exclude(newsletter__in=newsletters).delete()
        Subscription.objects.bulk_create(
            [
                Subscription(subscriber=subscriber, newsletter=n, created_at=now)
                for n in newsletters
            ],
            ignore_conflicts=True,
        )
        ConsentRecord.objects.create(
            subscriber=subscriber,
            action=ConsentRecord.Action.REQUESTED,
            at=now,
            source=source[:40],
            copy=f"{mailing.popup_title}\n{mailing.copy_for(source)}",  # the words the reader saw
            newsletters=", ".join(n.name for n in newsletters)[:500],
            ip_hash=ip_hash(ip),
        )
        subscriber.save()
        if allowed:
            email_queue(
                kind=template,
                to=email,
                params={"subscriber_id": subscriber.pk},
                caps=[mailbox_cap("confirm", email)],
            )
        transaction.on_commit(lambda: _purge_schedule(now=now))


def _purge_schedule(*, now: datetime) -> None:
    # Signups are what leave pending addresses behind: the first of each day has the worker
    # forget those that never confirmed. No cron needed.
    if claim_once(f"newsletter:purge-scheduled:{now:%Y-%m-%d}", 2 * 24 * 3600):
        tasks.purge_pending_subscribers.using(run_after=now + timedelta(hours=1)).enqueue()


@transaction.atomic
def subscriber_confirm(*, subscriber_id: int, email: str) -> Confirmed:
    """The owner of the address confirmed by POSTing the link they were sent."""
    now = timezone.now()
    subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.email.lower() != email.lower():
        raise SignupRefused("This link is for an address that is no longer on our list.")
    if subscriber.status == Status.CONFIRMED:
        return Confirmed(subscriber=subscriber, already=True)
    if subscriber.status == Status.UNSUBSCRIBED:
        raise SignupRefused("You unsubscribed after asking for this link: sign up again to rejoin.")
    subscriber.status = Status.CONFIRMED
    subscriber.confirmed_at = now
    subscriber.save(update_fields=["status", "confirmed_at"])
    if list_settings().welcome_email:
        email_queue(
            kind="newsletter/welcome", to=subscriber.email, params={"subscriber_id": subscriber.pk}
        )
    ConsentRecord.objects.create(
        subscriber=subscriber,
        action=ConsentRecord.Action.CONFIRMED,
        at=now,
        source="confirmation link",
        newsletters=", ".join(
            s.newsletter.name for s in subscriber.subscriptions.select_related("newsletter")
        )[:500],
    )
    return Confirmed(subscriber=subscriber, already=False)


@transaction.atomic
def subscriber_unsubscribe(
    *,
    subscriber: Subscriber,
    newsletter: Newsletter | None = None,
    source: str,
    campaign_id: int | None = None,
) -> Subscriber:
    """Stop one newsletter, or all of them; honoured at once, even by a send in progress.

    `campaign_id` is the send whose link was followed, for its report.
    """
    now = timezone.now()
    if campaign_id is not None:
        Delivery.objects.filter(
            campaign_id=campaign_id, subscriber=subscriber, unsubscribed_at__isnull=True
        ).update(unsubscribed_at=now)
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    subscriptions = subscriber.subscriptions.all()
    if newsletter is not None:
        subscriptions = subscriptions.filter(newsletter=newsletter)
    names = ", ".join(s.newsletter.name for s in subscriptions.select_related("newsletter"))
    subscriptions.delete()
    if not subscriber.subscriptions.exists() and subscriber.status != Status.UNSUBSCRIBED:
        subscriber.status = Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = now
        subscriber.save(update_fields=["status", "unsubscribed_at"])
    ConsentRecord.objects.create(
        subscriber=subscriber,
        action=ConsentRecord.Action.UNSUBSCRIBED,
        at=now,
        source=source[:40],
        newsletters=(names or (newsletter.name if newsletter else "all"))[:500],
    )
    return subscriber


@transaction.atomic
def subscriber_preferences_set(
    *,
    subscriber: Subscriber,
    newsletter_slugs: Iterable[str],
    digest_sections: Iterable[int] | None = None,
    source: str = "preferences",
) -> Subscriber:
    """Keep exactly the chosen newsletters; none chosen is unsubscribing from all.

    `digest_sections` are the sections the reader's digests cover (none: every section).

    The preferences link proves the address, so choosing newsletters again after leaving
    rejoins without a new confirmation.
    """
    now = timezone.now()
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    chosen = list(Newsletter.objects.filter(is_active=True, slug__in=list(newsletter_slugs)))
    if chosen and is_suppressed(subscriber.email):
        raise SignupRefused("This address cannot receive our newsletters: write to us.")
    if not chosen:
        return subscriber_unsubscribe(subscriber=subscriber, source=source)
    subscriber.subscriptions.exclude(newsletter__in=chosen).delete()
    Subscription.objects.bulk_create(
        [Subscription(subscriber=subscriber, newsletter=n, created_at=now) for n in chosen],
        ignore_conflicts=True,
    )
    if digest_sections is not None:
        sections = list(SectionPage.objects.filter(pk__in=list(digest_sections)))
        for subscription in subscriber.subscriptions.filter(
            newsletter__kind=Newsletter.Kind.DIGEST
        ):
            subscription.sections.set(sections)
    if subscriber.status != Status.CONFIRMED:
        subscriber.status = Status.CONFIRMED
        subscriber.confirmed_at = subscriber.confirmed_at or now
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["status", "confirmed_at", "unsubscribed_at"])
    ConsentRecord.objects.create(
        subscriber=subscriber,
        action=ConsentRecord.Action.CHANGED,
        at=now,
        source=source[:40],
        newsletters=", ".join(n.name for n in chosen)[:500],
    )
    return subscriber


@transaction.atomic
def subscriber_email_change_request(*, subscriber: Subscriber, new_email: str) -> None:
    """Send a confirmation link to the new address; nothing changes until it is followed.

    Capped like signups, per new mailbox and per subscriber, so the form cannot be used to
    flood someone; the answer is the same whether or not an email went.
    """
    new_email = email_normalise(new_email)
    if may_email(new_email):
        email_queue(
            kind="newsletter/change",
            to=new_email,
            params={"subscriber_id": subscriber.pk},
            caps=[mailbox_cap("change-from", subscriber.email), mailbox_cap("confirm", new_email)],
        )


@transaction.atomic
def subscriber_email_change(*, subscriber_id: int, old_email: str, new_email: str) -> Subscriber:
    """The owner of the new address confirmed it: the subscription moves there."""
    subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.email.lower() != old_email.lower():
        raise SignupRefused("This link is for an address change that has been made or undone.")
    taken = SignupRefused("That address is on our list already: manage it from its own emails.")
    if subscriber_by_email(new_email).exclude(pk=subscriber.pk).exists():
        raise taken
    subscriber.email, subscriber.email_key = new_email, email_key(new_email)
    try:
        with transaction.atomic():
            subscriber.save(update_fields=["email", "email_key"])
    except IntegrityError:  # signed up a moment ago
        raise taken from None
    ConsentRecord.objects.create(
        subscriber=subscriber,
        action=ConsentRecord.Action.CHANGED,
        at=timezone.now(),
        source="address change",
        newsletters=f"address changed from {old_email}",
    )
    return subscriber


@transaction.atomic
def subscriber_delete(*, subscriber: Subscriber) -> None:
    """The reader leaves and takes their data with them: nothing of them stays."""
    Subscriber.objects.filter(pk=subscriber.pk).delete()


def pending_subscribers_purge(*, now: datetime | None = None) -> int:
    """Forget addresses that never confirmed within NEWSLETTER_PENDING_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.NEWSLETTER_PENDING_DAYS)
    _, deleted = (
        # Only addresses that never confirmed: the record of someone who once joined and
        # left must survive a stranger's signup in their name.
        Subscriber.objects.filter(
            status=Status.PENDING,
            created_at__lt=cutoff,
            confirmed_at__isnull=True,
            unsubscribed_at__isnull=True,
        )
        .exclude(consents__action=ConsentRecord.Action.REQUESTED, consents__at__gte=cutoff)
        .delete()
    )
    return deleted.get(Subscriber._meta.label, 0)


@transaction.atomic
def address_suppress(*, email: str, reason: str = "manual", note: str = "") -> SuppressedAddress:
    """Never email `email` again; a subscriber with it is unsubscribed at once."""
    email = email_normalise(email)
    now = timezone.now()
    SuppressedAddress.objects.bulk_create(
        [
            SuppressedAddress(
                email=email,
                email_key=email_key(email),
                reason=reason,
                note=note[:300],
                created_at=now,
            )
        ],
        ignore_conflicts=True,
    )
    subscriber = subscriber_by_email(email).first()
    if subscriber is not None and subscriber.status != Status.UNSUBSCRIBED:
        subscriber_unsubscribe(subscriber=subscriber, source=f"suppressed: {reason}")
    return SuppressedAddress.objects.get(email_key=email_key(email))


@transaction.atomic
def address_unsuppress(*, suppressed: SuppressedAddress) -> None:
    """Allow email to an address again (it still has to sign up and confirm)."""
    suppressed.delete()
