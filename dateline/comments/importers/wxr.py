"""Comments from a WordPress export (WXR), one post per transaction."""

from datetime import UTC, datetime, tzinfo
from pathlib import PurePath
from typing import BinaryIO
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from django.utils import timezone

from .base import (
    ArticleFinder,
    CommentImportError,
    Entry,
    ImportReport,
    Status,
    Thread,
    thread_import,
)
from .markdown import html_to_text
from .reading import (
    child_text,
    clean_email,
    clean_ip,
    clean_name,
    clean_url,
    element_name,
    source_id,
    walk,
)

__all__ = ["wxr_import"]

WXR_STATUSES = {
    "1": Status.APPROVED,
    "0": Status.PENDING,
    "spam": Status.SPAM,
    "trash": Status.REJECTED,
    "post-trashed": Status.REJECTED,
}
WXR_COMMENT_TYPES = {"", "comment"}  # pingbacks, trackbacks, order notes... are not comments
CHANNEL_SITE_NAMES = ("link", "wp:base_blog_url", "wp:base_site_url")


def wxr_import(*, file: BinaryIO, site_timezone: tzinfo | None = None) -> ImportReport:
    """Import the comments of a WordPress export, one post per transaction.

    `site_timezone` reads comments that carry only a local date; it defaults to TIME_ZONE.
    Raises CommentImportError for a file that is not a readable WordPress export.
    """
    site_timezone = site_timezone or timezone.get_default_timezone()
    report = ImportReport()
    finder = ArticleFinder()
    channel: dict[str, str] = {}
    site_id = ""
    seen_wordpress = False
    try:
        for path, element, parent in walk(file, expected_root="rss", label="WordPress export"):
            if path[1:-1] == ["channel"] and path[-1] in CHANNEL_SITE_NAMES:
                channel[path[-1]] = (element.text or "").strip()
            seen_wordpress = seen_wordpress or path[-1].startswith("wp:")
            if path[1:] != ["channel", "item"]:
                continue
            if not seen_wordpress:
                raise _not_wordpress()
            if not site_id:
                site_id = _wxr_site_id(channel, file)
            thread = _wxr_thread(element, site_id=site_id, site_timezone=site_timezone)
            thread_import(thread, finder=finder, report=report)
            parent.clear()  # channel: what is imported need not stay in memory
    except CommentImportError as error:
        if report.imported or report.skipped_existing:
            error.message += (
                f" The {report.imported} comments of the posts before the error were imported;"
                " importing the corrected file again adds only what is missing."
            )
            error.args = (error.message,)
        error.report = report
        raise
    if not seen_wordpress:
        raise _not_wordpress()
    return report


def _not_wordpress() -> CommentImportError:
    return CommentImportError(
        "This RSS file has no WordPress (wp:) elements before its first item: "
        "it is not a WordPress export."
    )


def _wp_fields(element: Element) -> dict[str, str]:
    return {
        element_name(child.tag)[3:]: child.text or ""
        for child in element
        if element_name(child.tag).startswith("wp:")
    }


def _wxr_site_id(channel: dict[str, str], file: BinaryIO) -> str:
    for key in CHANNEL_SITE_NAMES:
        if channel.get(key):
            return channel[key].partition("://")[2].rstrip("/").lower() or channel[key].lower()
    name = getattr(file, "name", "")
    if isinstance(name, str) and name:
        return PurePath(name).name
    raise CommentImportError(
        "This WordPress export names no site (no channel <link>), and the file has no name "
        "to tell its comments apart from another site's."
    )


def _wxr_thread(item: Element, *, site_id: str, site_timezone: tzinfo) -> Thread:
    post = _wp_fields(item)
    thread = Thread(
        link=child_text(item, "link"),
        title=child_text(item, "title"),
        slugs=(unquote(post.get("post_name", "").strip()),),
    )
    for comment in item:
        if element_name(comment.tag) != "wp:comment":
            continue
        raw = _wp_fields(comment)
        fields = {key: value.strip() for key, value in raw.items()}
        if fields.get("comment_type", "") not in WXR_COMMENT_TYPES:
            thread.report.skipped_pingbacks += 1
            continue
        created_at = _wxr_date(
            fields.get("comment_date_gmt", ""), fields.get("comment_date", ""), site_timezone
        )
        comment_id = fields.get("comment_id", "")
        if not comment_id or created_at is None:
            thread.report.skipped_invalid += 1
            continue
        parent_id = fields.get("comment_parent", "0")
        thread.entries.append(
            Entry(
                source_id=source_id("wxr", site_id, comment_id),
                parent_source_id=(
                    source_id("wxr", site_id, parent_id) if parent_id not in ("", "0") else None
                ),
                name=clean_name(fields.get("comment_author", "")),
                email=clean_email(fields.get("comment_author_email", "")),
                url=clean_url(fields.get("comment_author_url", "")),
                # WordPress keeps comments as typed: its paragraphs and breaks are newlines.
                body=html_to_text(raw.get("comment_content", ""), newlines_are_breaks=True),
                created_at=created_at,
                status=WXR_STATUSES.get(fields.get("comment_approved", ""), Status.PENDING),
                ip=clean_ip(fields.get("comment_author_IP", "")),
            )
        )
    return thread


def _wxr_date(gmt: str, local: str, site_timezone: tzinfo) -> datetime | None:
    try:
        return datetime.strptime(gmt, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        pass  # WordPress writes 0000-00-00 00:00:00 when it never knew the GMT time
    try:
        return timezone.make_aware(datetime.strptime(local, "%Y-%m-%d %H:%M:%S"), site_timezone)
    except ValueError:
        return None
