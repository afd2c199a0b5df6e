"""A signed note of when a form was handed out: bots post faster than people type.

Pages that carry forms may be cached, so a stamp can be old; scripts on the page ask
`/forms/stamp/` for a fresh one when the reader starts typing.
"""

import time

from django.conf import settings
from django.core import signing

SALT = "dateline.form-issued"


def issue() -> str:
    return signing.dumps(int(time.time()), salt=SALT)


def problem(stamp: str, *, min_seconds: int) -> str | None:
    """What is wrong with a submitted stamp, as a message for the reader, or None."""
    try:
        issued = int(signing.loads(stamp, salt=SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return "This form was not handed out by this site or was altered; please send it again."
    age = time.time() - issued
    if age < min_seconds:
        return "That was quicker than anyone can read and type. Please send it again."
    if age > settings.FORM_STAMP_MAX_AGE:
        return "This form has been open a long time; please send it again."
    return None


def renew(form) -> None:
    """Give a refused, bound form a new stamp, so a stale or altered one is not sent again."""
    form.data = form.data.copy()
    form.data["issued"] = issue()
