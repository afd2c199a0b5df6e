"""What the comment actions share: the refusal, the moderation log, and keeping the thread's
count, the cached pages and the moderators' alerts in step with a comment."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from dateline.core.actions import page_cache_purge_on_commit
from dateline.core.errors import Refused
from dateline.core.ratelimit import claim_once
from dateline.newsroom.models import COMMENT_COUNTS_TAG

from .. import tasks
from ..models import Comment, CommentThread, ModerationEvent, ModeratorAlert
from ..notifications import reply_notification_queue

Status = Comment.Status
Action = ModerationEvent.Action


class CommentRefused(Refused):
    """A comment the site will not take, with the message the reader sees."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def cache_tags(article_id: int, *, count_changed: bool = False) -> set[str]:
    """What shows an article's comments: its page and the comment feeds; listings show counts."""
    tags = {f"comments:{article_id}", "comments:feed"}
    return tags | {COMMENT_COUNTS_TAG} if count_changed else tags


def log(action: str, *, comment=None, article=None, ban=None, by=None, note: str = "", now=None):
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


def thread_ensure(article_id: int) -> None:
    # ON CONFLICT DO NOTHING: concurrent first comments on an article cannot collide.
    CommentThread.objects.bulk_create([CommentThread(article_id=article_id)], ignore_conflicts=True)


def visibility_changed(
    comment: Comment, *, was_visible: bool, now: datetime, notify: bool = True
) -> None:
    """Keep the thread's count and every cached page showing it in step with `comment`."""
    is_visible = comment.status == Status.APPROVED
    if was_visible == is_visible:
        if is_visible:
            page_cache_purge_on_commit(tags=cache_tags(comment.article_id))
        return
    thread_ensure(comment.article_id)
    changes: dict = {"approved_count": F("approved_count") + (1 if is_visible else -1)}
    if is_visible:
        # Imports bring old comments: the thread's latest stays the latest.
        changes["last_comment_at"] = Greatest(
            Coalesce(F("last_comment_at"), Value(now)), Value(now)
        )
    CommentThread.objects.filter(pk=comment.article_id).update(**changes)
    page_cache_purge_on_commit(tags=cache_tags(comment.article_id, count_changed=True))
    if is_visible and notify and comment.parent_id and comment.reply_notified_at is None:
        reply_notification_queue(reply=comment)


def alert_moderators(*, comment: Comment, kind: str, now: datetime) -> None:
    """Queue the comment for the moderators' next digest.

    The first alert of each window schedules a digest one window later, which sends every
    alert waiting by then: moderators get one email per window at most, and an alert is never
    left waiting, since the next window's digest takes whatever an earlier one left.
    """
    ModeratorAlert.objects.create(kind=kind, comment=comment, created_at=now)
    transaction.on_commit(lambda: _moderator_digest_schedule(now=now))


def _moderator_digest_schedule(*, now: datetime) -> None:
    # One digest task per window is enough: it sends every alert waiting by then.
    window = settings.COMMENTS_MODERATOR_DIGEST_SECONDS
    if claim_once(f"comments:digest-scheduled:{int(now.timestamp()) // window}", window * 2):
        run_after = now + timedelta(seconds=window)
        tasks.send_moderator_digest.using(run_after=run_after).enqueue()
