"""Fixed-window rate limits and once-only claims, kept in the database.

A limit is (count, seconds): at most `count` hits per `seconds`. Each window's count, and
each claim, is a row of `LimitCounter` that lives until its window or claim ends. Rows are
in the database, not the cache: every app server and worker shares it on every setup, and
nothing evicts a row before it expires. A cache may (Django's file cache culls a third of
its entries when it holds 300, so a burst of cheap page views used to wipe every limit),
and Redis may be away (dateline.core.cache_backends answers a miss).

Each check is one statement, an upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING, on
SQLite >= 3.35 and PostgreSQL), that counts the hit or takes the claim, starts again on a
row whose time has run out, and reads the result, atomically across processes. Inside a
caller's transaction the row is written with it: a claim made by an action that rolls
back is given back, and on PostgreSQL a second claimer waits for the first to commit.

Expired rows are deleted by the workers, at most once an hour between them, after a task
(`purge_due`, dateline.core.signals): no cron, and no statement added to a request.
"""

import hashlib
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.db import connection

from .models import LimitCounter

PURGE_EVERY_SECONDS = 3600
_KEY_LENGTH = LimitCounter._meta.get_field("key").max_length or 250
_purge_checked_for: int | None = None


def _stored_key(key: str) -> str:
    if len(key) <= _KEY_LENGTH:
        return key
    # An email address may make a key longer than the column: keep a prefix to read.
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: _KEY_LENGTH - len(digest) - 1]}#{digest}"


def _moment(seconds: float) -> Any:
    """A UTC time as the database compares it (SQLite keeps text, PostgreSQL timestamptz)."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return connection.ops.adapt_datetimefield_value(moment)


def _names() -> tuple[str, str, str, str]:
    """The table and its columns, quoted for this database."""
    quote = connection.ops.quote_name
    return quote(LimitCounter._meta.db_table), quote("key"), quote("hits"), quote("expires_at")


def claim_once(key: str, seconds: int) -> bool:
    """True for the first caller in `seconds`, across processes."""
    now = time.time()
    table, key_, hits, expires = _names()
    sql = (
        f"INSERT INTO {table} ({key_}, {hits}, {expires}) VALUES (%s, 1, %s) "
        f"ON CONFLICT ({key_}) DO UPDATE SET {hits} = 1, {expires} = excluded.{expires} "
        f"WHERE {table}.{expires} <= %s "
        f"RETURNING {hits}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_stored_key(key), _moment(now + seconds), _moment(now)])
        return cursor.fetchone() is not None


def claim_renew(key: str, seconds: int) -> bool:
    """Extend a claim held by this caller to `seconds` from now; False if it had lapsed."""
    now = time.time()
    renewed = LimitCounter.objects.filter(
        key=_stored_key(key), expires_at__gt=datetime.fromtimestamp(now, UTC)
    ).update(expires_at=datetime.fromtimestamp(now + seconds, UTC))
    return bool(renewed)


def claim_release(key: str) -> None:
    """Give a claim back before it expires, so the next caller gets it at once."""
    LimitCounter.objects.filter(key=_stored_key(key)).delete()


def rate_limit_hit(*, scope: str, key: str, limits: Iterable[tuple[int, int]]) -> int | None:
    """Count one hit of `key`; the seconds to wait if a limit is now exceeded, else None."""
    now = time.time()
    whole = int(now)
    windows: dict[str, tuple[int, int, int]] = {}
    for count, seconds in limits:
        window = whole // seconds
        stored = _stored_key(f"ratelimit:{scope}:{seconds}:{window}:{key}")
        # Two limits on one window length count one row: the stricter decides.
        count = min(count, windows.get(stored, (count,))[0])
        windows[stored] = (count, seconds, window)
    if not windows:
        return None
    table, key_, hits, expires = _names()
    rows = ", ".join(["(%s, 1, %s)"] * len(windows))
    # A row whose window has passed (a clock set back, a key reused) starts from one.
    sql = (
        f"INSERT INTO {table} ({key_}, {hits}, {expires}) VALUES {rows} "
        f"ON CONFLICT ({key_}) DO UPDATE SET "
        f"{hits} = CASE WHEN {table}.{expires} <= %s THEN 1 ELSE {table}.{hits} + 1 END, "
        f"{expires} = CASE WHEN {table}.{expires} <= %s "
        f"THEN excluded.{expires} ELSE {table}.{expires} END "
        f"RETURNING {key_}, {hits}"
    )
    params: list[Any] = []
    for stored, (_count, seconds, window) in windows.items():
        params += [stored, _moment((window + 1) * seconds + 1)]
    params += [_moment(now), _moment(now)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counted = dict(cursor.fetchall())
    retry_after = None
    for stored, (count, seconds, window) in windows.items():
        if counted[stored] > count:
            wait = (window + 1) * seconds - whole
            retry_after = max(retry_after or 0, wait, 1)
    return retry_after


def purge_due(now: float | None = None) -> bool:
    """True for one caller an hour across processes (each process asks once an hour)."""
    global _purge_checked_for
    now = time.time() if now is None else now
    hour = int(now) // PURGE_EVERY_SECONDS
    if _purge_checked_for == hour:
        return False
    _purge_checked_for = hour
    return claim_once(f"core:limits-purge:{hour}", 2 * PURGE_EVERY_SECONDS)
