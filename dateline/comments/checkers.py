"""Optional outside opinions on a new comment: Akismet, a CAPTCHA provider, ...

COMMENTS_SPAM_CHECKERS lists dotted paths of classes with a `check()` method; none by
default. A checker never stands between a reader and posting: if it fails or times out its
opinion is "unsure" and the site's own rules decide.
"""

import logging
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Literal, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

Opinion = Literal["ham", "spam", "unsure"]


@dataclass(frozen=True)
class Submission:
    article_url: str
    author_name: str
    author_email: str
    author_url: str
    body: str
    ip: str | None
    user_agent: str
    referrer: str
    form_data: dict


class SpamChecker(Protocol):
    name: str

    def check(self, submission: Submission) -> Opinion: ...


def checkers() -> list[SpamChecker]:
    return [import_string(path)() for path in settings.COMMENTS_SPAM_CHECKERS]


def opinions(submission: Submission) -> list[tuple[str, Opinion]]:
    found: list[tuple[str, Opinion]] = []
    for checker in checkers():
        try:
            found.append((checker.name, checker.check(submission)))
        except Exception:
            logger.warning("Spam checker %s failed; ignored", checker.name, exc_info=True)
            found.append((checker.name, "unsure"))
    return found


class AkismetChecker:
    """Akismet's comment-check (https://akismet.com/developers/comment-check/).

    Settings: AKISMET_API_KEY, and AKISMET_ENDPOINT for a compatible service.
    """

    name = "Akismet"

    def __init__(self) -> None:
        self.key = settings.AKISMET_API_KEY
        self.endpoint = settings.AKISMET_ENDPOINT or f"https://{self.key}.rest.akismet.com"

    def check(self, submission: Submission) -> Opinion:
        if not self.key:
            return "unsure"
        data = urllib.parse.urlencode(
            {
                "api_key": self.key,
                "blog": settings.SITE_URL,
                "user_ip": submission.ip or "",
                "user_agent": submission.user_agent,
                "referrer": submission.referrer,
                "permalink": submission.article_url,
                "comment_type": "comment",
                "comment_author": submission.author_name,
                "comment_author_email": submission.author_email,
                "comment_author_url": submission.author_url,
                "comment_content": submission.body,
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (the endpoint is the operator's setting)
            f"{self.endpoint}/1.1/comment-check", data=data, method="POST"
        )
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310
            answer = response.read().decode().strip()
        opinions: dict[str, Opinion] = {"true": "spam", "false": "ham"}
        return opinions.get(answer, "unsure")
