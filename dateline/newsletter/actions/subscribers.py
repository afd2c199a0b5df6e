"""Every change to the mailing list goes through here: signup, confirmation, unsubscribing.

Signing up answers the same way, and does the same work, whatever the address's state (new,
pending, confirmed, unsubscribed), so neither the answer nor its timing reveals who is on
the list. Emails are queued with the change that decides them (dateline.core.email: retried
until the mail server takes them, daily caps counted only then) and made by
dateline.newsletter.notifications when they go.
"""

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import Site

from dateline.core import addresses
from dateline.core.actions import email_queue
from dateline.core.email import Cap
from dateline.core.errors import Refused
from dateline.core.ratelimit import claim_once

from ..models import (
    ConsentRecord,
    Delivery,
    MailingListSettings,
    Newsletter,
    Subscriber,
    Subscription,
    SuppressedAddress,
)

Status = Subscriber.Status

__all__ = [
    "Confirmed",
    "ImportReport",
    "SignupRefused",
    "address_suppress",
    "address_unsuppress",
    "at_blocked_domain",
    "chosen_newsletters",
    "email_key",
    "email_normalise",
    "ip_hash",
    "is_suppressed",
    "list_settings",
    "mailbox_cap",
    "mailbox_key",
    "may_email",
    "pending_subscribers_purge",
    "subscriber_by_email",
    "subscriber_confirm",
    "subscriber_delete",
    "subscriber_email_change",
    "subscriber_email_change_request",
    "subscriber_export",
    "subscriber_keys",
    "subscriber_preferences_set",
    "subscriber_signup",
    "subscriber_unsubscribe",
    "subscribers_import",
]


class SignupRefused(Refused):
    """A signup or preference change the list will not take."""


@dataclass(frozen=True)
class Confirmed:
    subscriber: Subscriber
    already: bool


def email_normalise(email: str) -> str:
    """The address in the site's one normal form; SignupRefused says what is wrong."""
    if len(email) > addresses.MAX_LENGTH:
        raise SignupRefused("That email address is too long.")
    try:
        return addresses.email_normalise(email)
    except addresses.BadAddress as bad:
        raise SignupRefused(f"That is not an email address we can use: {bad.message}") from None


def email_key(email: str) -> str:
    return email.lower()


def mailbox_key(email: str) -> str:
    """The mailbox behind an address: "Jo+news@X.org" and "jo+other@x.org" are one inbox."""
    local, _, domain = email.lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def subscriber_by_email(email: str):
    return Subscriber.objects.filter(email_key=email_key(email))


def is_suppressed(email: str) -> bool:
    return SuppressedAddress.objects.filter(email_key=email_key(email)).exists()


def list_settings(site: Site | None = None) -> MailingListSettings:
    return MailingListSettings.for_site(site or Site.objects.filter(is_default_site=True).first())


def at_blocked_domain(email: str, blocked: set[str]) -> bool:
    domain = email.rsplit("@", 1)[1].lower()
    return any(domain == entry or domain.endswith("." + entry) for entry in blocked)


def may_email(email: str, *, blocked: set[str] | None = None) -> bool:
    """Not suppressed and not at a blocked domain (`blocked`: the site's, unless given)."""
    if blocked is None:
        blocked = list_settings().blocked()
    return not is_suppressed(email) and not at_blocked_domain(email, blocked)


def mailbox_cap(scope: str, email: str) -> Cap:
    """At most NEWSLETTER_CONFIRMATIONS_PER_DAY such emails a day to one mailbox, counted
    when handed to the mail server (dateline.core.email)."""
    return Cap(
        f"newsletter:{scope}:{mailbox_key(email)}", settings.NEWSLETTER_CONFIRMATIONS_PER_DAY
    )


def ip_hash(ip: str | None) -> str:
    if not ip:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), f"ip:{ip}".encode(), "sha256").hexdigest()


def chosen_newsletters(slugs: Iterable[str] | None) -> list[Newsletter]:
    """The newsletters a form chose; None when it offered no choice: the default ones."""
    active = Newsletter.objects.filter(is_active=True)
    if slugs is None:
        return list(active.filter(selected_by_default=True))
    return list(active.filter(slug__in=list(slugs)))


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
    from ..tasks import purge_pending_subscribers

    if claim_once(f"newsletter:purge-scheduled:{now:%Y-%m-%d}", 2 * 24 * 3600):
        purge_pending_subscribers.using(run_after=now + timedelta(hours=1)).enqueue()


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
        from dateline.newsroom.models import SectionPage

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


def subscriber_keys(model, keys: list[str]) -> list[str]:
    return list(model.objects.filter(email_key__in=keys).values_list("email_key", flat=True))


@dataclass
class ImportReport:
    added: int = 0
    already: int = 0
    confirmed_by_source: int = 0
    suppressed: int = 0
    errors: list[str] | None = None


def subscribers_import(
    *, rows: list[list[str]], consent_source: str, newsletter_slugs: Iterable[str]
) -> ImportReport:
    """Add the addresses of a CSV, all or none.

    Without a consent source each new address is pending and gets a confirmation email (as
    if it had signed up); with one, stated by the importer, it is confirmed and the source is
    recorded as its consent. Addresses already on the list are left as they are.
    """
    emails, errors = [], []
    for number, row in enumerate(rows, start=1):
        cell = row[0].strip() if row else ""
        if not cell or (number == 1 and "@" not in cell):
            continue  # blank line or a header
        try:
            emails.append(email_normalise(cell))
        except SignupRefused as refusal:
            errors.append(f"Line {number}: {cell[:80]!r}: {refusal.message}")
    if errors:
        return ImportReport(errors=errors)
    report = ImportReport(errors=[])
    now = timezone.now()
    newsletters = chosen_newsletters(newsletter_slugs)
    unique: dict[str, str] = {}
    for email in emails:
        unique.setdefault(email_key(email), email)
    # Read once for the whole file, not once per line.
    keys = list(unique)
    chunks = [keys[start : start + 1000] for start in range(0, len(keys), 1000)]
    existing = {k for c in chunks for k in subscriber_keys(Subscriber, c)}
    suppressed = {k for c in chunks for k in subscriber_keys(SuppressedAddress, c)}
    blocked = list_settings().blocked()
    with transaction.atomic():
        for key, email in unique.items():
            if key in existing:
                report.already += 1
            elif key in suppressed or at_blocked_domain(email, blocked):
                report.suppressed += 1
            elif consent_source:
                subscriber = Subscriber.objects.create(
                    email=email,
                    email_key=email_key(email),
                    status=Status.CONFIRMED,
                    created_at=now,
                    confirmed_at=now,
                )
                Subscription.objects.bulk_create(
                    [
                        Subscription(subscriber=subscriber, newsletter=n, created_at=now)
                        for n in newsletters
                    ]
                )
                ConsentRecord.objects.create(
                    subscriber=subscriber,
                    action=ConsentRecord.Action.CONFIRMED,
                    at=now,
                    source="import",
                    copy=f"Consent stated by the importer: {consent_source}"[:2000],
                    newsletters=", ".join(n.name for n in newsletters)[:500],
                )
                report.added += 1
                report.confirmed_by_source += 1
            else:
                subscriber_signup(
                    email=email, newsletter_slugs=[n.slug for n in newsletters], source="import"
                )
                report.added += 1
    return report
