"""The comment policy in force for an article: site settings with its sections' exceptions."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from wagtail.models import Site

from dateline.core.sites import default_site

from .markup import comparable
from .models import CommentSettings, CommentThread, Moderation, SectionCommentPolicy


@dataclass(frozen=True)
class Policy:
    enabled: bool
    moderation: str
    trusted_after: int
    hold_links: bool
    max_links: int
    close_after_days: int
    max_depth: int
    per_page: int
    banned_words: tuple[str, ...]
    suspect_words: tuple[str, ...]

    def closes_at(self, published_at: datetime | None) -> datetime | None:
        if not self.close_after_days or published_at is None:
            return None
        return published_at + timedelta(days=self.close_after_days)

    def is_open(
        self, *, article, thread: CommentThread | None, now: datetime | None = None
    ) -> bool:
        if not self.enabled:
            return False
        state = thread.state if thread is not None else CommentThread.State.AUTO
        if state != CommentThread.State.AUTO:
            return state == CommentThread.State.OPEN
        closes_at = self.closes_at(article.first_published_at)
        return closes_at is None or (now or timezone.now()) < closes_at


def word_list(text: str) -> tuple[str, ...]:
    return tuple(filter(None, (comparable(line) for line in text.splitlines())))


def first_listed_word(text: str, words: tuple[str, ...]) -> str | None:
    """The first of `words` (or phrases) found as whole words in `text`, case-folded."""
    haystack = f" {comparable(text)} "
    return next((word for word in words if f" {word} " in haystack), None)


def name_words(name: str) -> tuple[str, ...]:
    """A name as the words it reads as: case and width folded, punctuation left out."""
    return tuple(re.findall(r"\w+", comparable(name)))


def reserved_name(name: str, reserved: frozenset[tuple[str, ...]]) -> bool:
    """`name` reads as one of `reserved` (each a name's words, see name_words).

    "Dateline Editor (official)", "dateline-editor" and "DatelineEditor" all read as
    "Dateline Editor". A reserved name of one word ("moderator") is taken only whole, so
    that a staff member called Sam leaves "Sam Jones" free.
    """
    words = name_words(name)
    if not words:
        return False
    joined = "".join(words)
    for taken in reserved:
        if words == taken or joined == "".join(taken):
            return True
        width = len(taken)
        if width > 1 and any(
            words[start : start + width] == taken for start in range(len(words) - width + 1)
        ):
            return True
    return False


def mailbox_key(email: str) -> str:
    """The mailbox behind an address: "Ed+news@X.org" and "ed@x.org" are one inbox."""
    local, _, domain = email.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def policy_for(*, article, site: Site | None = None, request=None) -> Policy:
    """The site's policy for `article`, each field overridden by its nearest section's."""
    if request is not None:
        site_settings = CommentSettings.for_request(request)  # kept for the request
    else:
        site = site or default_site()
        site_settings = CommentSettings.for_site(site)
    steplen = article.steplen
    ancestor_paths = [article.path[:end] for end in range(steplen, len(article.path), steplen)]
    overrides = list(
        SectionCommentPolicy.objects.filter(section__path__in=ancestor_paths).order_by(
            "-section__depth"
        )
    )

    def pick(field: str, inherited):
        for override in overrides:
            value = getattr(override, field)
            if value is not None and value != "":
                return value
        return inherited

    return Policy(
        enabled=site_settings.enabled,
        moderation=pick("moderation", site_settings.moderation),
        trusted_after=pick("trusted_after", site_settings.trusted_after),
        hold_links=pick("hold_links", site_settings.hold_links),
        max_links=site_settings.max_links,
        close_after_days=pick("close_after_days", site_settings.close_after_days),
        max_depth=max(1, site_settings.max_depth),
        per_page=max(1, site_settings.per_page),
        banned_words=word_list(site_settings.banned_words),
        suspect_words=word_list(site_settings.suspect_words),
    )


__all__ = [
    "Moderation",
    "Policy",
    "first_listed_word",
    "mailbox_key",
    "name_words",
    "policy_for",
    "reserved_name",
]
