"""The browser's proof that it wrote a comment: tokens in one HttpOnly cookie.

The cookie is sent to /comments/ only, so article pages and the caches in front of them
never see it. It lists up to MAX_REMEMBERED "id:token" pairs; the database keeps only each
token's hash.
"""

import re

from django.http import HttpRequest, HttpResponse

from .models import Comment

COOKIE_NAME = "dateline_comments"
COOKIE_PATH = "/comments/"
COOKIE_MAX_AGE = 7 * 24 * 3600  # long enough to see one's comment through moderation
MAX_REMEMBERED = 20
PAIR = re.compile(r"^(\d{1,18}):([A-Za-z0-9_-]{16,64})$")


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
