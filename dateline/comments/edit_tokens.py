"""The browser's proofs that it wrote comments: secrets in HttpOnly cookies.

Both cookies are sent to /comments/ only, so article pages and the caches in front of them
never see them, and the database keeps only each secret's hash. One lists up to
MAX_REMEMBERED "id:token" pairs, each the edit token of one comment (for the edit window
and moderation). The other holds one commenter key per browser, for a year: the comments
it wrote carry its hash, and moderators' approvals of them are what make their writer
trusted (see actions.comment_post), a thing nobody can get by typing someone's address.
"""

import hmac
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .digests import token_hash
from .models import Comment

COOKIE_NAME = "dateline_comments"
COOKIE_PATH = "/comments/"
COOKIE_MAX_AGE = 7 * 24 * 3600  # long enough to see one's comment through moderation
MAX_REMEMBERED = 20
PAIR = re.compile(r"^(\d{1,18}):([A-Za-z0-9_-]{16,64})$")
COMMENTER_COOKIE_NAME = "dateline_commenter"
COMMENTER_COOKIE_MAX_AGE = 365 * 24 * 3600
COMMENTER_KEY = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def edit_deadline(comment: Comment) -> datetime:
    return comment.created_at + timedelta(minutes=settings.COMMENTS_EDIT_MINUTES)


def holds_token(comment: Comment, token: str | None) -> bool:
    """The browser holds this comment's edit token: it wrote the comment."""
    if not token or not comment.edit_token_hash:
        return False
    return hmac.compare_digest(comment.edit_token_hash, token_hash(token))


def can_edit(comment: Comment, token: str | None, *, now: datetime | None = None) -> bool:
    """The browser wrote the comment and the edit window is still open."""
    if comment.erased_at or comment.status not in (Comment.Status.PENDING, Comment.Status.APPROVED):
        return False
    return (now or timezone.now()) < edit_deadline(comment) and holds_token(comment, token)


def remembered_tokens(request: HttpRequest) -> dict[int, str]:
    pairs = (PAIR.match(part) for part in request.COOKIES.get(COOKIE_NAME, "").split("|"))
    return {int(match[1]): match[2] for match in pairs if match}


def edit_token_for(request: HttpRequest, comment: Comment) -> str | None:
    return remembered_tokens(request).get(comment.pk)


def remember_edit_token(
    request: HttpRequest, response: HttpResponse, *, comment: Comment, token: str
) -> None:
    remembered = remembered_tokens(request)
    remembered.pop(comment.pk, None)
    pairs = [f"{pk}:{value}" for pk, value in remembered.items()]
    pairs = [*pairs[-(MAX_REMEMBERED - 1) :], f"{comment.pk}:{token}"]
    response.set_cookie(
        COOKIE_NAME,
        "|".join(pairs),
        max_age=COOKIE_MAX_AGE,
        path=COOKIE_PATH,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def commenter_key(request: HttpRequest) -> str | None:
    """The commenter key this browser holds, if it holds a well-formed one."""
    value = request.COOKIES.get(COMMENTER_COOKIE_NAME, "")
    return value if COMMENTER_KEY.match(value) else None


def remember_commenter_key(request: HttpRequest, response: HttpResponse, *, key: str) -> None:
    response.set_cookie(
        COMMENTER_COOKIE_NAME,
        key,
        max_age=COMMENTER_COOKIE_MAX_AGE,
        path=COOKIE_PATH,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
