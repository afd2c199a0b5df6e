"""Every change to comments, their moderation and commenters' consent goes through here.

Views, the Wagtail admin, importers and tasks call these functions; each runs in one
transaction and queues its emails and cache purges for after the commit.
"""

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from wagtail.models import Site

from dateline.core.actions import page_cache_purge_on_commit
from dateline.core.errors import Refused
from dateline.core.ratelimit import claim_once
from dateline.newsroom.models import COMMENT_COUNTS_TAG

from . import checkers, markup
from .edit_tokens import COMMENTER_KEY
from .models import (
    Comment,
    CommenterBan,
    CommentReport,
    CommentThread,
    ModerationEvent,
    ModeratorAlert,
    ReplyNotificationAddress,
)
from .networks import BadNetwork, ban_network, in_network, neighbourhood, networks_containing
from .policy import Moderation, Policy, first_listed_word, policy_for, reserved_name
from .selectors import mailbox_key, reserved_identities

Status = Comment.Status
Action = ModerationEvent.Action
DUPLICATE_WINDOW = timedelta(hours=24)


class CommentRefused(Refused):
    """A comment the site will not take, with the message the reader sees."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Posted:
    comment: Comment
    edit_token: str
    created: bool
    # The browser's commenter key, to keep (new or the one it sent); empty for a retry.
    commenter_key: str = ""


def comment_cache_tags(article_id: int, *, count_changed: bool = False) -> set[str]:
    """What shows an article's comments: its page and the comment feeds; listings show counts."""
    tags = {f"comments:{article_id}", "comments:feed"}
    return tags | {COMMENT_COUNTS_TAG} if count_changed else tags


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def body_digest(body: str) -> str:
    return hashlib.sha256(markup.comparable(body).encode()).hexdigest()


def edit_deadline(comment: Comment) -> datetime:
    return comment.created_at + timedelta(minutes=settings.COMMENTS_EDIT_MINUTES)


def holds_token(comment: Comment, token: str | None) -> bool:
    """The browser holds this comment's edit token: it wrote the comment."""
    return bool(token and comment.edit_token_hash) and hmac.compare_digest(
        comment.edit_token_hash, token_hash(token)
    )


def can_edit(comment: Comment, token: str | None, *, now: datetime | None = None) -> bool:
    """The browser wrote the comment and the edit window is still open."""
    if comment.erased_at or comment.status not in (Status.PENDING, Status.APPROVED):
        return False
    return (now or timezone.now()) < edit_deadline(comment) and holds_token(comment, token)


def _log(action: str, *, comment=None, article=None, ban=None, by=None, note: str = "", now=None):
    if by is not None and getattr(by, "is_authenticated", False):
        label = by.get_username()
    else:
        label = "reader" if action in {Action.POSTED, Action.EDITED, Action.DELETED} else "system"
        by = None
    ModerationEvent.objects.create(
        action=action,
        comment=comment,
        article_id=article.pk if article is not None else comment.article_id if comment else None,
        ban=ban,
        actor=by,
        actor_label=label,
        note=note[:500],
        at=now or timezone.now(),
    )


def _thread_ensure(article_id: int) -> None:
    # ON CONFLICT DO NOTHING: concurrent first comments on an article cannot collide.
    CommentThread.objects.bulk_create([CommentThread(article_id=article_id)], ignore_conflicts=True)


def _visibility_changed(
    comment: Comment, *, was_visible: bool, now: datetime, notify: bool = True
) -> None:
    """Keep the thread's count and every cached page showing it in step with `comment`."""
    is_visible = comment.status == Status.APPROVED
    if was_visible == is_visible:
        if is_visible:
            page_cache_purge_on_commit(tags=comment_cache_tags(comment.article_id))
        return
    _thread_ensure(comment.article_id)
    changes: dict = {"approved_count": F("approved_count") + (1 if is_visible else -1)}
    if is_visible:
        # Imports bring old comments: the thread's latest stays the latest.
        changes["last_comment_at"] = Greatest(
            Coalesce(F("last_comment_at"), Value(now)), Value(now)
        )
    CommentThread.objects.filter(pk=comment.article_id).update(**changes)
    page_cache_purge_on_commit(tags=comment_cache_tags(comment.article_id, count_changed=True))
    if is_visible and notify and comment.parent_id and comment.reply_notified_at is None:
        from .notifications import reply_notification_queue

        reply_notification_queue(reply=comment)


def _alert_moderators(*, comment: Comment, kind: str, now: datetime) -> None:
    """Queue the comment for the moderators' next digest.

    The first alert of each window schedules a digest one window later, which sends every
    alert waiting by then: moderators get one email per window at most, and an alert is never
    left waiting, since the next window's digest takes whatever an earlier one left.
    """
    ModeratorAlert.objects.create(kind=kind, comment=comment, created_at=now)
    transaction.on_commit(lambda: _moderator_digest_schedule(now=now))


def _moderator_digest_schedule(*, now: datetime) -> None:
    # One digest task per window is enough: it sends every alert waiting by then.
    from .tasks import send_moderator_digest

    window = settings.COMMENTS_MODERATOR_DIGEST_SECONDS
    if claim_once(f"comments:digest-scheduled:{int(now.timestamp()) // window}", window * 2):
        run_after = now + timedelta(seconds=window)
        send_moderator_digest.using(run_after=run_after).enqueue()


def active_ban(*, email: str, ip: str | None, now: datetime | None = None) -> CommenterBan | None:
    """The ban in force on `email` or on a network holding `ip` (an IPv6 address's /64...)."""
    now = now or timezone.now()
    who = Q(email=email.lower()) if email else Q(pk__in=[])
    if networks := networks_containing(ip):
        who |= Q(ip_network__in=networks)
    return (
        CommenterBan.objects.filter(who, lifted_at__isnull=True)
        .filter(Q(until__isnull=True) | Q(until__gt=now))
        .order_by(F("until").desc(nulls_first=True))
        .first()
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


def _is_trusted(*, email: str, user, key_hash: str, policy: Policy) -> bool:
    """Enough approved comments by this commenter, known by what an impostor lacks.

    Anyone can type anyone's name and address, so an address alone proves nothing: the
    approved comments that count are those of the signed-in account, or those written
    with this address from the browser holding this commenter key (a secret kept in an
    HttpOnly cookie, see edit_tokens). A reader on a new browser starts again; an empty
    address or key (erased, imported or older comments) makes nobody trusted.
    """
    if policy.moderation == Moderation.IMMEDIATE:
        return True
    if policy.moderation == Moderation.EVERYONE:
        return False
    who = Q(user=user) if user is not None else Q(pk__in=[])
    if email and key_hash:
        # Addresses are stored lower-cased: an exact match uses the index.
        who |= Q(author_email=email.lower(), commenter_key_hash=key_hash)
    approved = Comment.objects.approved().filter(who)
    return approved[: policy.trusted_after].count() >= policy.trusted_after


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
    if user is not None and not user.is_authenticated:
        user = None
    if user is not None:
        name = user.get_full_name() or user.get_username()
        email = user.email or ""
    email = email.strip().lower()
    body = markup.clean_text(body)
    name = markup.clean_text(name)
    if not body:
        raise CommentRefused("Write something before posting.", field="body")

    if post_key:
        existing = Comment.objects.filter(post_key=post_key, article=article).first()
        if existing is not None:
            return Posted(comment=existing, edit_token="", created=False)
    if user is None:
        _refuse_reserved(name=name, email=email)
    if not (commenter_key and COMMENTER_KEY.match(commenter_key)):
        commenter_key = secrets.token_urlsafe(32)
    key_hash = token_hash(commenter_key)

    policy = policy_for(article=article, site=site)
    thread = CommentThread.objects.filter(pk=article.pk).first()
    if not policy.is_open(article=article, thread=thread, now=now):
        raise CommentRefused("Comments on this article are closed.")
    _refuse_banned(email, ip, now)
    parent = _parent_for_reply(article=article, parent_id=parent_id, policy=policy)
    body_html = markup.render(body)
    reasons = _check_text(body, body_html, policy)

    status = Status.APPROVED
    if user is not None and user.is_staff:
        reasons = []
    else:
        if not _is_trusted(email=email, user=user, key_hash=key_hash, policy=policy):
            reasons.append(
                "pre-moderation" if policy.moderation == Moderation.EVERYONE else "new commenter"
            )
        submission = checkers.Submission(
            article_url=article.full_url or "",
            author_name=name,
            author_email=email,
            author_url=url,
            body=body,
            ip=ip,
            user_agent=user_agent,
            referrer="",
            form_data=submission_extra or {},
        )
        for checker_name, opinion in checkers.opinions(submission):
            if opinion == "spam":
                status = Status.SPAM
                reasons.append(f"{checker_name} says spam")
    if reasons and status == Status.APPROVED:
        status = Status.PENDING

    token = secrets.token_urlsafe(24)
    comment = Comment(
        article=article,
        parent=parent,
        root_id=(parent.root_id or parent.pk) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        user=user,
        author_name=name,
        author_email=email,
        author_url=url,
        body=body,
        body_html=body_html,
        status=status,
        hold_reasons="; ".join(reasons)[:300],
        ip_address=ip,
        ip_block=neighbourhood(ip),
        user_agent=user_agent[:300],
        created_at=now,
        edit_token_hash=token_hash(token),
        commenter_key_hash=key_hash,
        post_key=post_key or None,
        body_digest=body_digest(body),
        notify_replies=notify_replies and bool(email),
    )
    return _comment_store(comment, token=token, commenter_key=commenter_key, now=now)


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

    _log(Action.POSTED, comment=comment, by=comment.user, now=now)
    if comment.status == Status.APPROVED:
        _visibility_changed(comment, was_visible=False, now=now)
    elif comment.status == Status.PENDING:
        _log(Action.HELD, comment=comment, note=comment.hold_reasons, now=now)
        _alert_moderators(comment=comment, kind=ModeratorAlert.Kind.HELD, now=now)
    else:
        _log(Action.SPAM, comment=comment, note=comment.hold_reasons, now=now)
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
    trusted = _is_trusted(
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
    _log(Action.EDITED, comment=comment, now=now)
    if was_visible and comment.status == Status.PENDING:
        _log(Action.HELD, comment=comment, note=comment.hold_reasons, now=now)
        _alert_moderators(comment=comment, kind=ModeratorAlert.Kind.HELD, now=now)
    _visibility_changed(comment, was_visible=was_visible, now=now)
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
    _log(Action.DELETED, comment=comment, now=now)
    _visibility_changed(comment, was_visible=was_visible, now=now)
    return comment


MODERATION_DECISIONS = {
    "approve": (Status.APPROVED, Action.APPROVED),
    "reject": (Status.REJECTED, Action.REJECTED),
    "spam": (Status.SPAM, Action.SPAM),
}


@transaction.atomic
def comment_moderate(*, comment_ids: Iterable[int], decision: str, by: User, note: str = "") -> int:
    """Approve, reject or mark as spam; resolves open reports. Returns how many changed."""
    status, action = MODERATION_DECISIONS[decision]
    now = timezone.now()
    changed = 0
    for comment in Comment.objects.select_for_update().filter(pk__in=list(comment_ids)):
        open_reports = comment.reports.filter(resolved_at__isnull=True)
        if comment.status in (Status.DELETED,) or (
            comment.status == status and not open_reports.exists()
        ):
            continue
        was_visible = comment.status == Status.APPROVED
        comment.status = status
        comment.save(update_fields=["status"])
        if open_reports.update(resolved_at=now) and status == Status.APPROVED:
            _log(Action.REPORTS_DISMISSED, comment=comment, by=by, note=note, now=now)
        ModeratorAlert.objects.filter(comment=comment, sent_at__isnull=True).update(sent_at=now)
        _log(action, comment=comment, by=by, note=note, now=now)
        _visibility_changed(comment, was_visible=was_visible, now=now)
        changed += 1
    return changed


class ReportRefused(CommentRefused):
    pass


@transaction.atomic
def comment_report(*, comment: Comment, reason: str, note: str = "", ip: str | None) -> bool:
    """A reader flags a published comment; one report per reader and comment counts."""
    now = timezone.now()
    if comment.status != Status.APPROVED:
        raise ReportRefused("This comment is not published.")
    if reason not in CommentReport.Reason.values:
        raise ReportRefused("Choose why you are reporting this comment.", field="reason")
    reporter = hmac.new(
        settings.SECRET_KEY.encode(), f"report:{ip or 'unknown'}".encode(), "sha256"
    ).hexdigest()
    try:
        with transaction.atomic():
            CommentReport.objects.create(
                comment=comment,
                reason=reason,
                note=markup.clean_text(note)[:500],
                reporter_key=reporter,
                created_at=now,
            )
    except IntegrityError:
        return False
    Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
    _log(Action.REPORTED, comment=comment, note=f"{reason}: {note}", now=now)
    _alert_moderators(comment=comment, kind=ModeratorAlert.Kind.REPORTED, now=now)
    return True


@transaction.atomic
def commenter_ban(
    *,
    email: str = "",
    ip: str | None = None,
    reason: str,
    until: datetime | None,
    by: User,
    remove_pending: bool = True,
) -> CommenterBan:
    """Stop a commenter (by address, IP or both) from posting, for a time or for good.

    `ip` is an address or a prefix ("2001:db8:7::/48"): a ban on an IPv6 address covers
    its /64, from which its owner's devices take new addresses at will (see networks).
    """
    email = email.strip().lower()
    ip = (ip or "").strip()
    if not email and not ip:
        raise CommentRefused("Name an email address or an IP address to ban.")
    if not reason.strip():
        raise CommentRefused("Give a reason for the ban.", field="reason")
    try:
        network = ban_network(ip) if ip else None
    except BadNetwork as bad:
        raise CommentRefused(str(bad), field="ip") from None
    named = None if network is None else str(network.network_address) if "/" in ip else ip
    now = timezone.now()
    ban = CommenterBan.objects.create(
        email=email,
        ip_address=named,
        ip_network=str(network) if network else "",
        reason=reason.strip()[:300],
        until=until,
        created_at=now,
        created_by=by,
    )
    _log(Action.BANNED, ban=ban, by=by, note=f"{email} {ban.ip_network}: {reason}", now=now)
    if remove_pending:
        pending = Comment.objects.filter(status=Status.PENDING)
        ids = list(pending.by_commenter(email=email).values_list("pk", flat=True))
        if network is not None:
            from_network = pending.exclude(ip_address=None).values_list("pk", "ip_address")
            ids += [pk for pk, address in from_network if in_network(address, str(network))]
        comment_moderate(comment_ids=ids, decision="reject", by=by, note="commenter banned")
    return ban


@transaction.atomic
def commenter_ban_lift(*, ban: CommenterBan, by: User) -> CommenterBan:
    """End a ban now."""
    now = timezone.now()
    ban.lifted_at = now
    ban.save(update_fields=["lifted_at"])
    _log(Action.UNBANNED, ban=ban, by=by, now=now)
    return ban


@transaction.atomic
def thread_state_set(*, article, state: str, by: User | None) -> CommentThread:
    """The editor's switch: keep an article's comments open, closed, or on the timetable."""
    if state not in CommentThread.State.values:
        raise CommentRefused("Unknown comment state.")
    _thread_ensure(article.pk)
    thread = CommentThread.objects.select_for_update().get(pk=article.pk)
    thread.state = state
    thread.save(update_fields=["state"])
    _log(Action.THREAD_STATE, article=article, by=by, note=thread.get_state_display())
    page_cache_purge_on_commit(tags=comment_cache_tags(article.pk))
    return thread


def reply_notifications_request(*, email: str, now: datetime | None = None) -> bool:
    """Ask the owner of `email` to confirm reply notifications: one email a day at most
    (counted when the mail server takes it); whether one was queued."""
    from .notifications import reply_confirmation_queue

    now = now or timezone.now()
    ReplyNotificationAddress.objects.bulk_create(
        [ReplyNotificationAddress(email=email)], ignore_conflicts=True
    )
    askable = (
        # Never confirmed, or opted out more than a month ago: an address that said stop is
        # not asked again soon, whoever ticks the box.
        ReplyNotificationAddress.objects.filter(email=email).filter(
            Q(confirmed_at__isnull=True, opted_out_at__isnull=True)
            | Q(opted_out_at__lt=now - timedelta(days=30))
        )
    )
    if not askable.exists() or not reply_confirmation_queue(email=email):
        return False
    askable.update(last_confirmation_sent_at=now)
    return True


@transaction.atomic
def reply_notifications_confirm(*, email: str) -> ReplyNotificationAddress:
    """The owner of `email` confirmed: replies to their comments may now be emailed."""
    address, _ = ReplyNotificationAddress.objects.get_or_create(email=email)
    if address.confirmed_at is None or address.opted_out_at is not None:
        address.confirmed_at = timezone.now()
        address.opted_out_at = None
        address.save(update_fields=["confirmed_at", "opted_out_at"])
    return address


@transaction.atomic
def reply_notifications_opt_out(*, email: str) -> None:
    """Stop every reply notification to `email`, at once."""
    now = timezone.now()
    ReplyNotificationAddress.objects.bulk_create(
        [ReplyNotificationAddress(email=email)], ignore_conflicts=True
    )
    ReplyNotificationAddress.objects.filter(email=email, opted_out_at__isnull=True).update(
        opted_out_at=now
    )
    Comment.objects.filter(author_email=email, notify_replies=True).update(notify_replies=False)


@transaction.atomic
def commenter_erase(*, email: str, remove_text: bool, by: User | None = None) -> int:
    """Erase the personal data of every comment posted with `email`; returns how many.

    Name, address, website, IP, browser and commenter key go; the text stays unless
    `remove_text`, in which case the comments show as deleted and replies to them stay.
    """
    now = timezone.now()
    email = email.strip().lower()
    count = 0
    for comment in Comment.objects.select_for_update().filter(author_email=email):
        was_visible = comment.status == Status.APPROVED
        comment.author_name = "deleted"
        comment.author_email = comment.author_url = comment.user_agent = ""
        comment.ip_address = None
        comment.ip_block = ""
        comment.user = None
        comment.edit_token_hash = comment.commenter_key_hash = ""
        comment.notify_replies = False
        comment.erased_at = now
        if remove_text:
            comment.body = comment.body_html = ""
            comment.status = Status.DELETED
        comment.save()
        _log(Action.ERASED, comment=comment, by=by, now=now)
        _visibility_changed(comment, was_visible=was_visible, now=now)
        count += 1
    ReplyNotificationAddress.objects.filter(email=email).delete()
    return count


def commenter_erasure_request(*, email: str) -> None:
    """Email `email` a link that erases its comments' personal data: only its owner can.

    Only an address that has comments gets one, once a day at most, and the caller answers
    the same either way. The work is the same too, so its timing tells nothing: nothing
    here reads the address's comments; the email is queued for every address, and the
    worker, composing it, sends nothing to an address without comments.
    """
    from .notifications import erasure_link_queue

    erasure_link_queue(email=email.strip().lower())


def moderator_addresses(site: Site | None = None) -> list[str]:
    from django.contrib.auth import get_user_model

    from .models import CommentSettings

    site = site or Site.objects.filter(is_default_site=True).first()
    listed = CommentSettings.for_site(site).moderator_emails.split()
    if listed:
        return listed
    users = get_user_model().objects.filter(is_active=True, is_superuser=True).exclude(email="")
    return list(users.values_list("email", flat=True))


def moderator_alerts_claim() -> list[ModeratorAlert]:
    """Take every unsent alert for one digest; a second worker finds them taken.

    Call inside the transaction that sends the digest: if sending fails, the claim rolls
    back and the next digest carries these alerts.
    """
    now = timezone.now()
    window = timedelta(seconds=settings.COMMENTS_MODERATOR_DIGEST_SECONDS)
    waiting = ModeratorAlert.objects.filter(sent_at__isnull=True)
    if not waiting.filter(created_at__lte=now - window).exists():
        return []  # the digest that the oldest alert scheduled will come
    alerts = list(
        waiting.select_for_update(skip_locked=True, of=("self",)).select_related(
            "comment", "comment__article"
        )
    )
    ModeratorAlert.objects.filter(pk__in=[a.pk for a in alerts]).update(sent_at=now)
    return alerts


@transaction.atomic
def comment_import(
    *,
    article,
    source_id: str,
    parent: Comment | None,
    name: str,
    email: str,
    url: str,
    body: str,
    created_at: datetime,
    status: str,
    ip: str | None = None,
) -> tuple[Comment, bool]:
    """Store one comment from another system, once: re-importing finds it by `source_id`."""
    existing = Comment.objects.filter(imported_from=source_id).first()
    if existing is not None:
        return existing, False
    body = markup.clean_text(body)
    depth = parent.depth + 1 if parent else 0
    comment = Comment.objects.create(
        article=article,
        parent=parent,
        root_id=(parent.root_id or parent.pk) if parent else None,
        depth=depth,
        author_name=markup.clean_text(name)[:80] or "Anonymous",
        author_email=email.strip().lower()[:254],
        author_url=url[:200],
        body=body,
        body_html=markup.render(body),
        status=status,
        ip_address=ip or None,
        ip_block=neighbourhood(ip),
        created_at=created_at,
        body_digest=body_digest(body),
        imported_from=source_id[:120],
    )
    _log(Action.IMPORTED, comment=comment, note=source_id)
    if status == Status.APPROVED:
        # Imported conversations are history: nobody is notified of these replies.
        _visibility_changed(comment, was_visible=False, now=created_at, notify=False)
    return comment, True
