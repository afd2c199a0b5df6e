"""Comments from a Disqus export, one thread per transaction."""

from datetime import UTC, datetime
from typing import BinaryIO
from xml.etree.ElementTree import Element

from .base import ArticleFinder, Entry, ImportReport, Status, Thread, thread_import
from .markdown import html_to_text
from .reading import child, child_text, clean_email, clean_ip, clean_name, source_id, walk

__all__ = ["disqus_import"]

DSQ_ID = "{http://disqus.com/disqus-internals}id"


def disqus_import(*, file: BinaryIO) -> ImportReport:
    """Import the posts of a Disqus export, one thread per transaction.

    Raises CommentImportError for a file that is not a readable Disqus export; in that case
    nothing is imported, as posts are only stored once the whole file has been read.
    """
    threads: dict[str, Thread] = {}
    for path, element, parent in walk(file, expected_root="disqus", label="Disqus export"):
        if len(path) != 2:
            continue
        if path[1] == "thread":
            dsq_id = element.get(DSQ_ID, "")
            thread = threads.setdefault(dsq_id, Thread(link="", title=""))
            thread.link = child_text(element, "link")
            thread.title = child_text(element, "title")
        elif path[1] == "post":
            thread_element = child(element, "thread")
            dsq_id = thread_element.get(DSQ_ID, "") if thread_element is not None else ""
            title = f"Disqus thread {dsq_id}" if dsq_id else "Posts that name no thread"
            thread = threads.setdefault(dsq_id, Thread(link="", title=title))
            entry = _disqus_entry(element)
            if entry is None:
                thread.report.skipped_invalid += 1
            else:
                thread.entries.append(entry)
        parent.clear()  # the root: each thread or post is copied out as it ends

    report = ImportReport()
    finder = ArticleFinder()
    for thread in threads.values():
        thread_import(thread, finder=finder, report=report)
    return report


def _disqus_entry(post: Element) -> Entry | None:
    dsq_id = post.get(DSQ_ID, "")
    try:
        created_at = datetime.fromisoformat(child_text(post, "createdAt"))
    except ValueError:
        return None
    if not dsq_id:
        return None
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    parent = child(post, "parent")
    parent_id = parent.get(DSQ_ID, "") if parent is not None else ""
    author = child(post, "author")
    if author is None:
        author = Element("author")
    if child_text(post, "isSpam") == "true":
        status = Status.SPAM
    elif child_text(post, "isDeleted") == "true":
        status = Status.DELETED
    else:
        status = Status.APPROVED
    message = child(post, "message")
    return Entry(
        source_id=source_id("disqus", dsq_id),
        parent_source_id=source_id("disqus", parent_id) if parent_id else None,
        name=clean_name(child_text(author, "name") or child_text(author, "username")),
        email=clean_email(child_text(author, "email")),
        url="",
        body=html_to_text((message.text or "") if message is not None else ""),
        created_at=created_at,
        status=status,
        ip=clean_ip(child_text(post, "ipAddress")),
    )
