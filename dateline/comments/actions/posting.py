"""A reader's comment: posted (normalised, decided, stored), edited and withdrawn by its author."""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.models import Site

from dateline.newsroom.models import ArticlePage

from .. import checkers, markup
from ..digests import body_digest, token_hash
from ..edit_tokens import COMMENTER_KEY, can_edit
from ..models import Comment, CommentThread, ModeratorAlert
from ..networks import neighbourhood
from ..policy import (
    Moderation,
    Policy,
    first_listed_word,
    mailbox_key,
    policy_for,
    reserved_name,
)
from ..selectors import active_ban, commenter_is_trusted, reserved_identities
from ._common import Action, CommentRefused, Status, alert_moderators, log, visibility_changed
from .consent import reply_notifications_request

__all__ = ["DUPLICATE_WINDOW", "Posted", "comment_delete_own", "comment_edit", "comment_post"]

DUPLICATE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Posted:
    comment: Comment
    edit_token: str
    created: bool
    # The browser's commenter key, to keep (new or the one it sent); empty for a retry.
    commenter_key: str = ""


@dataclass(frozen=True)
class _Draft:
    """A reader's comment as typed, normalised: who wrote what, from where."""

    article: ArticlePage
    body: str
    name: str
    email: str
    url: str
    user: User | None
    ip: str | None
    user_agent: str
    commenter_key: str

    @property
    def key_hash(self) -> str:
        return token_hash(self.commenter_key)


@dataclass
class _Verdict:
    """Where a comment that is not refused goes, and why it waits if it does."""

    parent: Comment | None
    body_html: str
    status: str = Status.APPROVED
    reasons: list[str] = field(default_factory=list)


def comment_post(
    *,
    article,
    body: str,
    name: str = "",
    email: str = "",
    url: str = "",
    parent_id: int | None = None,
    notify_replies: bool = False,
    user: User | AnonymousUser | None = None,
    ip: str | None = None,
    user_agent: str = "",
    post_key: str | None = None,
    commenter_key: str | None = None,
    site: Site | None = None,
    submission_extra: dict | None = None,
) -> Posted:
    """Take a reader's comment: refuse it, hold it for review, or publish it.

    Raises CommentRefused with the reason to show the reader. A retried submission with the
    same `post_key` returns the comment the first attempt stored. The checks (policy, words,
    links, an outside spam checker) run before the write transaction, which on SQLite holds
    the database's write lock. `commenter_key` is the secret the writer's browser holds
    (a new one is made when it holds none, returned in Posted for it to keep): under
    "pre-moderate until trusted", approvals count for the browser and address together.
    Anonymous commenters cannot use the names and addresses of staff and authors.
    """
    now = timezone.now()
    draft = _normalise(
        article=article,
        body=body,
        name=name,
        email=email,
        url=url,
        user=user,
        ip=ip,
        user_agent=user_agent,
        commenter_key=commenter_key,
    )
    if (earlier := _earlier_attempt(post_key, article=article)) is not None:
        return Posted(comment=earlier, edit_token="", created=False)
    verdict = _decide(draft, parent_id=parent_id, site=site, now=now, form_data=submission_extra)
    token = secrets.token_urlsafe(24)
    comment = _comment_build(
        draft, verdict, token=token, post_key=post_key, notify_replies=notify_replies, now=now
    )
    return _comment_store(comment, token=token, commenter_key=draft.commenter_key, now=now)


def _normalise(*, article, body, name, email, url, user, ip, user_agent, commenter_key) -> _Draft:
    """The comment as it will be stored: a signed-in reader writes under their account."""
    if user is not None and not user.is_authenticated:
        user = None
    if user is not None:
        name = user.get_full_name() or user.get_username()
        email = user.email or ""
    body = markup.clean_text(body)
    if not body:
        raise CommentRefused("Write something before posting.", field="body")
    if not (commenter_key and COMMENTER_KEY.match(commenter_key)):
        commenter_key = secrets.token_urlsafe(32)
    return _Draft(
        article=article,
        body=body,
        name=markup.clean_text(name),
        email=email.strip().lower(),
        url=url,
        user=user,
        ip=ip,
        user_agent=user_agent,
        commenter_key=commenter_key,
    )


def _earlier_attempt(post_key: str | None, *, article) -> Comment | None:
    if not post_key:
        return None
    return Comment.objects.filter(post_key=post_key, article=article).first()


def _decide(draft: _Draft, *, parent_id, site, now: datetime, form_data) -> _Verdict:
    """Refuse the comment (CommentRefused), or say whether it is published, held or spam."""
    article = draft.article
    if draft.user is None:
        _refuse_reserved(name=draft.name, email=draft.email)
    policy = policy_for(article=article, site=site)
    thread = CommentThread.objects.filter(pk=article.pk).first()
    if not policy.is_open(article=article, thread=thread, now=now):
        raise CommentRefused("Comments on this article are closed.")
    _refuse_banned(draft.email, draft.ip, now)
    parent = _parent_for_reply(article=article, parent_id=parent_id, policy=policy)
    verdict = _Verdict(parent=parent, body_html=markup.render(draft.body))
    verdict.reasons = _check_text(draft.body, verdict.body_html, policy)
    if draft.user is not None and draft.user.is_staff:
        verdict.reasons = []
    else:
        _screen(draft, verdict, policy=policy, form_data=form_data)
    if verdict.reasons and verdict.status == Status.APPROVED:
        verdict.status = Status.PENDING
    return verdict


def _screen(draft: _Draft, verdict: _Verdict, *, policy: Policy, form_data) -> None:
    """A reader's comment waits until they are trusted, and goes as the spam checkers say."""
    trusted = commenter_is_trusted(
        email=draft.email, user=draft.user, key_hash=draft.key_hash, policy=policy
    )
    if not trusted:
        verdict.reasons.append(
            "pre-moderation" if policy.moderation == Moderation.EVERYONE else "new commenter"
        )
    submission = checkers.Submission(
        article_url=draft.article.full_url or "",
        author_name=draft.name,
        author_email=draft.email,
        author_url=draft.url,
        body=draft.body,
        ip=draft.ip,
        user_agent=draft.user_agent,
        referrer="",
        form_data=form_data or {},
    )
    for checker_name, opinion in checkers.opinions(submission):
        if opinion == "spam":
            verdict.status = Status.SPAM
            verdict.reasons.append(f"{checker_name} says spam")


def _comment_build(
    draft: _Draft, verdict: _Verdict, *, token: str, post_key, notify_replies, now
) -> Comment:
    parent = verdict.parent
    return Comment(
        article=draft.article,
        parent=parent,
        root_id=(parent.root_id or parent.pk) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        user=draft.user,
        author_name=draft.name,
        author_email=draft.email,
        author_url=draft.url,
        body=draft.body,
        body_html=verdict.body_html,
        status=verdict.status,
        hold_reasons="; ".join(verdict.reasons)[:300],
        ip_address=draft.ip,
        ip_block=neighbourhood(draft.ip),
        user_agent=draft.user_agent[:300],
        created_at=now,
        edit_token_hash=token_hash(token),
        commenter_key_hash=draft.key_hash,
        post_key=post_key or None,
        body_digest=body_digest(draft.body),
        notify_replies=notify_replies and bool(draft.email),
    )


def _refuse_banned(email: str, ip: str | None, now: datetime) -> None:
    # The reason is the moderators' note, and anyone may type someone else's address: the
    # message says no more than that the comment was not taken.
    if active_ban(email=email, ip=ip, now=now) is not None:
        raise CommentRefused(
            "Your comment could not be accepted. If you think this is a mistake, "
            "please contact the newsroom."
        )


def _check_text(body: str, body_html: str, policy: Policy) -> list[str]:
    """Refuse banned words and too many links; the reasons to hold the text for review."""
    word = first_listed_word(body, policy.banned_words)
    if word:
        raise CommentRefused(
            f"Your comment uses “{word}”, which this site does not allow. Please rephrase it.",
            field="body",
        )
    links = markup.link_count(body_html)
    if links > policy.max_links:
        raise CommentRefused(
            f"Your comment has {links} links; at most {policy.max_links} are allowed.",
            field="body",
        )
    reasons = []
    word = first_listed_word(body, policy.suspect_words)
    if word:
        reasons.append(f"uses “{word}”")
    if links and policy.hold_links:
        reasons.append("contains links")
    return reasons


def _refuse_reserved(*, name: str, email: str) -> None:
    """Staff names and addresses are for staff, who sign in to use them."""
    reserved = reserved_identities()
    if reserved_name(name, reserved.names):
        raise CommentRefused(
            "That is the name of someone on the newsroom's staff. "
            "Please comment under a name of your own.",
            field="name",
        )
    if email and mailbox_key(email) in reserved.emails:
        raise CommentRefused(
            "That address belongs to the newsroom's staff: sign in to comment with it.",
            field="email",
        )


def _parent_for_reply(*, article, parent_id: int | None, policy: Policy) -> Comment | None:
    if parent_id is None:
        return None
    parent = Comment.objects.filter(pk=parent_id).first()
    if parent is None or parent.article_id != article.pk:
        raise CommentRefused("The comment you are replying to is not on this article.")
    if parent.status != Status.APPROVED:
        raise CommentRefused("The comment you are replying to is not published.")
    if parent.depth + 1 >= policy.max_depth:
        raise CommentRefused(
            f"Replies nest {policy.max_depth} levels deep at most; reply to an earlier comment."
        )
    return parent


@transaction.atomic
def _comment_store(comment: Comment, *, token: str, commenter_key: str, now: datetime) -> Posted:
    """Write a checked comment and what follows from it, or find its twin."""
    same_author = Q(author_email=comment.author_email) if comment.author_email else Q(pk__in=[])
    if comment.ip_address:
        same_author |= Q(ip_address=comment.ip_address)
    if (
        Comment.objects.filter(
            same_author,
            body_digest=comment.body_digest,
            created_at__gte=now - DUPLICATE_WINDOW,
        )
        .exclude(status=Status.DELETED)
        .exists()
    ):
        raise CommentRefused("You have posted this comment already.", field="body")
    try:
        with transaction.atomic():
            comment.save()
    except IntegrityError:
        existing = (
            Comment.objects.filter(post_key=comment.post_key).first() if comment.post_key else None
        )
        if existing is None:
            raise
        return Posted(comment=existing, edit_token="", created=False)

    log(Action.POSTED, comment=comment, by=comment.user, now=now)
    if comment.status == Status.APPROVED:
        visibility_changed(comment, was_visible=False, now=now)
    elif comment.status == Status.PENDING:
        log(Action.HELD, comment=comment, note=comment.hold_reasons, now=now)
        alert_moderators(comment=comment, kind=ModeratorAlert.Kind.HELD, now=now)
    else:
        log(Action.SPAM, comment=comment, note=comment.hold_reasons, now=now)
    if comment.notify_replies and comment.status != Status.SPAM:
        reply_notifications_request(email=comment.author_email, now=now)
    return Posted(comment=comment, edit_token=token, created=True, commenter_key=commenter_key)


@transaction.atomic
def comment_edit(*, comment: Comment, token: str | None, body: str, site: Site | None = None):
    """The author's change to their comment, within the edit window, checked like a new one."""
    now = timezone.now()
    comment = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("article", "user")
        .get(pk=comment.pk)
    )
    if not can_edit(comment, token, now=now):
        raise CommentRefused("This comment can no longer be edited from this browser.")
    body = markup.clean_text(body)
    if not body:
        raise CommentRefused("Write something before saving.", field="body")
    if body == comment.body:
        return comment
    policy = policy_for(article=comment.article.specific, site=site)
    body_html = markup.render(body)
    reasons = _check_text(body, body_html, policy)
    was_visible = comment.status == Status.APPROVED
    comment.body, comment.body_html, comment.edited_at = body, body_html, now
    comment.body_digest = body_digest(body)
    staff = comment.user is not None and comment.user.is_staff
    trusted = commenter_is_trusted(
        email=comment.author_email,
        user=comment.user,
        key_hash=comment.commenter_key_hash,
        policy=policy,
    )
    if not staff and not trusted:
        # A moderator approved the words they read, not these.
        reasons.append("edited after approval")
    if reasons and comment.status == Status.APPROVED:
        comment.status = Status.PENDING
        comment.hold_reasons = ("edited: " + "; ".join(reasons))[:300]
    comment.save()
    log(Action.EDITED, comment=comment, now=now)
    if was_visible and comment.status == Status.PENDING:
        log(Action.HELD, comment=comment, note=comment.hold_reasons, now=now)
        alert_moderators(comment=comment, kind=ModeratorAlert.Kind.HELD, now=now)
    visibility_changed(comment, was_visible=was_visible, now=now)
    return comment


@transaction.atomic
def comment_delete_own(*, comment: Comment, token: str | None) -> Comment:
    """The author withdraws their comment; replies to it stay, under a "deleted" marker."""
    now = timezone.now()
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if not can_edit(comment, token, now=now):
        raise CommentRefused("This comment can no longer be deleted from this browser.")
    was_visible = comment.status == Status.APPROVED
    comment.status = Status.DELETED
    comment.body = comment.body_html = ""
    comment.edit_token_hash = ""
    comment.save()
    ModeratorAlert.objects.filter(comment=comment, sent_at__isnull=True).update(sent_at=now)
    log(Action.DELETED, comment=comment, now=now)
    visibility_changed(comment, was_visible=was_visible, now=now)
    return comment
