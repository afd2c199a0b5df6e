"""Adding a list of addresses from a CSV: all of them or, if a line is unusable, none.

The pipeline reads the rows (blank lines and a header skipped), checks each address (every
bad line reported, the rest still checked), then stores what is new: the file is read from
the database once, not once per line.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..addresses import at_blocked_domain, email_key, email_normalise
from ..errors import SignupRefused
from ..models import ConsentRecord, Newsletter, Subscriber, Subscription, SuppressedAddress
from ..selectors import chosen_newsletters, list_settings, subscriber_keys
from .subscribers import subscriber_signup

Status = Subscriber.Status
KEYS_PER_QUERY = 1000

__all__ = ["ImportReport", "subscribers_import"]


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
    emails, errors = _addresses_check(_cells(rows))
    if errors:
        return ImportReport(errors=errors)
    return _addresses_store(
        _unique(emails),
        consent_source=consent_source,
        newsletters=chosen_newsletters(newsletter_slugs),
    )


def _cells(rows: list[list[str]]) -> Iterator[tuple[int, str]]:
    """Each line's number and first cell; blank lines and a header left out."""
    for number, row in enumerate(rows, start=1):
        cell = row[0].strip() if row else ""
        if cell and not (number == 1 and "@" not in cell):
            yield number, cell


def _addresses_check(cells: Iterable[tuple[int, str]]) -> tuple[list[str], list[str]]:
    """The addresses in their normal form, and what is wrong with each line that is not one."""
    emails, errors = [], []
    for number, cell in cells:
        try:
            emails.append(email_normalise(cell))
        except SignupRefused as refusal:
            errors.append(f"Line {number}: {cell[:80]!r}: {refusal.message}")
    return emails, errors


def _unique(emails: list[str]) -> dict[str, str]:
    """Each address once, by its key, as first written."""
    unique: dict[str, str] = {}
    for email in emails:
        unique.setdefault(email_key(email), email)
    return unique


def _present(model, keys: list[str]) -> set[str]:
    chunks = [keys[start : start + KEYS_PER_QUERY] for start in range(0, len(keys), KEYS_PER_QUERY)]
    return {k for c in chunks for k in subscriber_keys(model, c)}


def _addresses_store(
    unique: dict[str, str], *, consent_source: str, newsletters: list[Newsletter]
) -> ImportReport:
    report = ImportReport(errors=[])
    now = timezone.now()
    existing = _present(Subscriber, list(unique))
    suppressed = _present(SuppressedAddress, list(unique))
    blocked = list_settings().blocked()
    with transaction.atomic():
        for key, email in unique.items():
            if key in existing:
                report.already += 1
            elif key in suppressed or at_blocked_domain(email, blocked):
                report.suppressed += 1
            elif consent_source:
                _confirmed_add(email, consent_source, newsletters, now)
                report.added += 1
                report.confirmed_by_source += 1
            else:
                subscriber_signup(
                    email=email, newsletter_slugs=[n.slug for n in newsletters], source="import"
                )
                report.added += 1
    return report


def _confirmed_add(
    email: str, consent_source: str, newsletters: list[Newsletter], now: datetime
) -> None:
    """A subscriber the importer states consented elsewhere: confirmed, with that record."""
    subscriber = Subscriber.objects.create(
        email=email,
        email_key=email_key(email),
        status=Status.CONFIRMED,
        created_at=now,
        confirmed_at=now,
    )
    Subscription.objects.bulk_create(
        [Subscription(subscriber=subscriber, newsletter=n, created_at=now) for n in newsletters]
    )
    ConsentRecord.objects.create(
        subscriber=subscriber,
        action=ConsentRecord.Action.CONFIRMED,
        at=now,
        source="import",
        copy=f"Consent stated by the importer: {consent_source}"[:2000],
        newsletters=", ".join(n.name for n in newsletters)[:500],
    )
