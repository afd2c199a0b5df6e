"""Ids from URLs and query strings, bounded to what a database key can hold.

A number too large for a 64-bit key (`/comments/article/99999999999999999999/feed/`) is
the id of nothing: the `<id:...>` path converter does not match it, so the answer is a 404,
and `parse_id` gives None, before it reaches a query (where SQLite raises OverflowError and
PostgreSQL an out-of-range error). Every id a reader or an editor can type goes through
one of the two, or through the form fields in dateline.core.forms.
"""

MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """`value` (a string of ASCII digits) as a key a table could hold, else None."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class IdConverter:
    """`<id:pk>` in a URL pattern: a positive 64-bit id; anything else does not match."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(f"{value!r} is not an id")  # the resolver reads this as no match
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)
