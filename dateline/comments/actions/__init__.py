"""Every change to comments, their moderation and commenters' consent goes through here.

Views, the Wagtail admin, importers and tasks call these functions. Each that writes runs
in one transaction (comment_post runs its checks before its transaction, see there) and
queues its emails and cache purges for after the commit. One module per area: posting
(and the author's edits), moderation and reports, bans, threads, consent, erasure, importing.
"""

from ._common import CommentRefused
from .bans import commenter_ban, commenter_ban_lift
from .consent import (
    reply_notifications_confirm,
    reply_notifications_opt_out,
    reply_notifications_request,
)
from .erasure import commenter_erase, commenter_erasure_request
from .importing import comment_import
from .moderation import MODERATION_DECISIONS, ReportRefused, comment_moderate, comment_report
from .posting import DUPLICATE_WINDOW, Posted, comment_delete_own, comment_edit, comment_post
from .threads import thread_state_set

__all__ = [
    "DUPLICATE_WINDOW",
    "MODERATION_DECISIONS",
    "CommentRefused",
    "Posted",
    "ReportRefused",
    "comment_delete_own",
    "comment_edit",
    "comment_import",
    "comment_moderate",
    "comment_post",
    "comment_report",
    "commenter_ban",
    "commenter_ban_lift",
    "commenter_erase",
    "commenter_erasure_request",
    "reply_notifications_confirm",
    "reply_notifications_opt_out",
    "reply_notifications_request",
    "thread_state_set",
]
