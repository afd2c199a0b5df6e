"""Moderators' decisions on comments, and readers' reports that ask for one."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .. import markup
from ..digests import reporter_key
from ..models import Comment, CommentReport, ModeratorAlert
from ._common import Action, CommentRefused, Status, alert_moderators, log, visibility_changed

__all__ = ["MODERATION_DECISIONS", "ReportRefused", "comment_moderate", "comment_report"]

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
            log(Action.REPORTS_DISMISSED, comment=comment, by=by, note=note, now=now)
        ModeratorAlert.objects.filter(comment=comment, sent_at__isnull=True).update(sent_at=now)
        log(action, comment=comment, by=by, note=note, now=now)
        visibility_changed(comment, was_visible=was_visible, now=now)
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
    try:
        with transaction.atomic():
            CommentReport.objects.create(
                comment=comment,
                reason=reason,
                note=markup.clean_text(note)[:500],
                reporter_key=reporter_key(ip),
                created_at=now,
            )
    except IntegrityError:
        return False
    Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
    log(Action.REPORTED, comment=comment, note=f"{reason}: {note}", now=now)
    alert_moderators(comment=comment, kind=ModeratorAlert.Kind.REPORTED, now=now)
    return True
