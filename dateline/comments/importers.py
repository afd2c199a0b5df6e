"""Reader comments from a WordPress (WXR) or Disqus export, stored through `comment_import`.

Exports are untrusted XML: defusedxml parses them, refusing entity declarations and external
references, and the file is streamed so that a large export is never held as one tree.
"""

import hashlib
import heapq
import html
import ipaddress
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from html.parser import HTMLParser
from pathlib import PurePath
from typing import BinaryIO
from urllib.parse import quote, unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

import nh3
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, transaction
from django.utils import timezone
from wagtail.models import Site

from dateline.core.addresses import BadAddress, email_normalise
from dateline.newsroom.models import ArticlePage

from . import actions
from .models import Comment

Status = Comment.Status

WP_NAMESPACE = "http://wordpress.org/export/"  # followed by the WXR version: 1.0/, 1.1/, 1.2/
DSQ_ID = "{http://disqus.com/disqus-internals}id"
WXR_STATUSES = {
    "1": Status.APPROVED,
    "0": Status.PENDING,
    "spam": Status.SPAM,
    "trash": Status.REJECTED,
    "post-trashed": Status.REJECTED,
}
WXR_COMMENT_TYPES = {"", "comment"}  # pingbacks, trackbacks, order notes... are not comments
REPORT_ORDER = (Status.APPROVED, Status.PENDING, Status.SPAM, Status.REJECTED, Status.DELETED)
CHANNEL_SITE_NAMES = ("link", "wp:base_blog_url", "wp:base_site_url")
MAX_SOURCE_ID = 120


class CommentImportError(Exception):
    """A file the importer cannot read, with a message for the person running it."""

    def __init__(self, message: str, *, report: "ImportReport | None" = None):
        super().__init__(message)
        self.message = message
        self.report = report


@dataclass
class UnmatchedThread:
    link: str
    title: str
    comments: int


@dataclass
class FailedThread:
    link: str
    error: str


@dataclass
class ImportReport:
    """What an import did; `lines()` tells it to a person."""

    imported: int = 0
    skipped_existing: int = 0
    skipped_pingbacks: int = 0
    skipped_invalid: int = 0
    orphans: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    unmatched: list[UnmatchedThread] = field(default_factory=list)
    failed: list[FailedThread] = field(default_factory=list)

    def add(self, other: "ImportReport") -> None:
        self.imported += other.imported
        self.skipped_existing += other.skipped_existing
        self.skipped_pingbacks += other.skipped_pingbacks
        self.skipped_invalid += other.skipped_invalid
        self.orphans += other.orphans
        self.by_status.update(other.by_status)
        self.unmatched += other.unmatched
        self.failed += other.failed

    def lines(self) -> list[str]:
        statuses = ", ".join(
            f"{self.by_status[status]} {status}"
            for status in REPORT_ORDER
            if self.by_status[status]
        )
        lines = [
            f"Imported {self.imported} comments" + (f" ({statuses})." if statuses else "."),
            f"Already imported, left as they were: {self.skipped_existing}.",
        ]
        if self.skipped_pingbacks:
            lines.append(
                f"Pingbacks, trackbacks and other non-comments skipped: {self.skipped_pingbacks}."
            )
        if self.skipped_invalid:
            lines.append(f"Skipped without an id or a readable date: {self.skipped_invalid}.")
        if self.orphans:
            lines.append(
                f"Replies whose parent is not in the export, imported as top-level comments: "
                f"{self.orphans}."
            )
        lines.append(f"Threads that match no article: {len(self.unmatched)}.")
        lines += [
            f"  {thread.link or '(no link)'}  {thread.title}  ({thread.comments} comments)"
            for thread in self.unmatched
        ]
        if self.failed:
            lines.append(f"Threads not imported because of an error: {len(self.failed)}.")
            lines += [f"  {thread.link or '(no link)'}: {thread.error}" for thread in self.failed]
        return lines


@dataclass
class _Entry:
    source_id: str
    parent_source_id: str | None
    name: str
    email: str
    url: str
    body: str
    created_at: datetime
    status: str
    ip: str | None


@dataclass
class _Thread:
    link: str
    title: str
    slugs: tuple[str, ...] = ()
    entries: list[_Entry] = field(default_factory=list)
    report: ImportReport = field(default_factory=ImportReport)


def wxr_import(*, file: BinaryIO, site_timezone: tzinfo | None = None) -> ImportReport:
    """Import the comments of a WordPress export, one post per transaction.

    `site_timezone` reads comments that carry only a local date; it defaults to TIME_ZONE.
    Raises CommentImportError for a file that is not a readable WordPress export.
    """
    site_timezone = site_timezone or timezone.get_default_timezone()
    report = ImportReport()
    finder = _ArticleFinder()
    channel: dict[str, str] = {}
    site_id = ""
    seen_wordpress = False
    try:
        for path, element, parent in _walk(file, expected_root="rss", label="WordPress export"):
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
            _thread_import(thread, finder=finder, report=report)
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


def disqus_import(*, file: BinaryIO) -> ImportReport:
    """Import the posts of a Disqus export, one thread per transaction.

    Raises CommentImportError for a file that is not a readable Disqus export; in that case
    nothing is imported, as posts are only stored once the whole file has been read.
    """
    threads: dict[str, _Thread] = {}
    for path, element, parent in _walk(file, expected_root="disqus", label="Disqus export"):
        if len(path) != 2:
            continue
        if path[1] == "thread":
            dsq_id = element.get(DSQ_ID, "")
            thread = threads.setdefault(dsq_id, _Thread(link="", title=""))
            thread.link = _child_text(element, "link")
            thread.title = _child_text(element, "title")
        elif path[1] == "post":
            thread_element = _child(element, "thread")
            dsq_id = thread_element.get(DSQ_ID, "") if thread_element is not None else ""
            title = f"Disqus thread {dsq_id}" if dsq_id else "Posts that name no thread"
            thread = threads.setdefault(dsq_id, _Thread(link="", title=title))
            entry = _disqus_entry(element)
            if entry is None:
                thread.report.skipped_invalid += 1
            else:
                thread.entries.append(entry)
        parent.clear()  # the root: each thread or post is copied out as it ends

    report = ImportReport()
    finder = _ArticleFinder()
    for thread in threads.values():
        _thread_import(thread, finder=finder, report=report)
    return report


def _walk(
    file: BinaryIO, *, expected_root: str, label: str
) -> Iterator[tuple[list[str], Element, Element]]:
    """Each element as it ends, with its path of prefixed names ("wp:comment") and its parent."""
    path: list[str] = []
    stack: list[Element] = []
    try:
        for event, element in iterparse(file, events=("start", "end")):
            if event == "start":
                name = _name(element.tag)
                if not path and name != expected_root:
                    raise CommentImportError(
                        f"This is not a {label}: its root element is <{name}>, "
                        f"not <{expected_root}>."
                    )
                path.append(name)
                stack.append(element)
                continue
            if len(stack) > 1:
                yield path, element, stack[-2]
            path.pop()
            stack.pop()
    except ParseError as error:
        raise CommentImportError(f"This file is not well-formed XML: {error}.") from None
    except DefusedXmlException as error:
        raise CommentImportError(
            f"This file declares XML entities or external references, which an export "
            f"does not need and the importer refuses ({type(error).__name__})."
        ) from None


def _name(tag: str) -> str:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        if namespace.startswith(WP_NAMESPACE):
            return f"wp:{local}"
        return local
    return tag


def _child(element: Element, local_name: str) -> Element | None:
    """The first child of that name, whatever its namespace."""
    for child in element:
        if child.tag.rpartition("}")[2] == local_name:
            return child
    return None


def _child_text(element: Element, local_name: str) -> str:
    child = _child(element, local_name)
    return (child.text or "").strip() if child is not None else ""


def _wp_fields(element: Element) -> dict[str, str]:
    return {
        _name(child.tag)[3:]: child.text or ""
        for child in element
        if _name(child.tag).startswith("wp:")
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


def _wxr_thread(item: Element, *, site_id: str, site_timezone: tzinfo) -> _Thread:
    post = _wp_fields(item)
    thread = _Thread(
        link=_child_text(item, "link"),
        title=_child_text(item, "title"),
        slugs=(unquote(post.get("post_name", "").strip()),),
    )
    for comment in item:
        if _name(comment.tag) != "wp:comment":
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
            _Entry(
                source_id=_source_id("wxr", site_id, comment_id),
                parent_source_id=(
                    _source_id("wxr", site_id, parent_id) if parent_id not in ("", "0") else None
                ),
                name=_plain(fields.get("comment_author", "")),
                email=_email(fields.get("comment_author_email", "")),
                url=_url(fields.get("comment_author_url", "")),
                # WordPress keeps comments as typed: its paragraphs and breaks are newlines.
                body=html_to_text(raw.get("comment_content", ""), newlines_are_breaks=True),
                created_at=created_at,
                status=WXR_STATUSES.get(fields.get("comment_approved", ""), Status.PENDING),
                ip=_ip(fields.get("comment_author_IP", "")),
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


def _disqus_entry(post: Element) -> _Entry | None:
    dsq_id = post.get(DSQ_ID, "")
    try:
        created_at = datetime.fromisoformat(_child_text(post, "createdAt"))
    except ValueError:
        return None
    if not dsq_id:
        return None
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    parent = _child(post, "parent")
    parent_id = parent.get(DSQ_ID, "") if parent is not None else ""
    author = _child(post, "author")
    if author is None:
        author = Element("author")
    if _child_text(post, "isSpam") == "true":
        status = Status.SPAM
    elif _child_text(post, "isDeleted") == "true":
        status = Status.DELETED
    else:
        status = Status.APPROVED
    message = _child(post, "message")
    return _Entry(
        source_id=_source_id("disqus", dsq_id),
        parent_source_id=_source_id("disqus", parent_id) if parent_id else None,
        name=_plain(_child_text(author, "name") or _child_text(author, "username")),
        email=_email(_child_text(author, "email")),
        url="",
        body=html_to_text((message.text or "") if message is not None else ""),
        created_at=created_at,
        status=status,
        ip=_ip(_child_text(post, "ipAddress")),
    )


def _source_id(*parts: str) -> str:
    source_id = ":".join(parts)
    if len(source_id) > MAX_SOURCE_ID and len(parts) == 3:
        # A very long site address would be cut short, and two sites could then collide.
        site = hashlib.sha256(parts[1].encode()).hexdigest()[:16]
        source_id = ":".join((parts[0], site, parts[2]))
    return source_id[:MAX_SOURCE_ID]


def _plain(text: str) -> str:
    return html.unescape(" ".join(nh3.clean(text, tags=set()).split()))


def _email(text: str) -> str:
    """The address in the site's normal form; one it would refuse from a reader is dropped."""
    try:
        return email_normalise(text)
    except BadAddress:
        return ""


def _url(text: str) -> str:
    if len(text) > 200:
        return ""  # cut short, it would lead somewhere else
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        return ""
    return text


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


class _ArticleFinder:
    """The article a thread's link points at: by its public path, else by its slug."""

    def __init__(self):
        sites = Site.objects.select_related("root_page").order_by("-is_default_site", "pk")
        self.root_paths = [site.root_page.url_path for site in sites]

    def find(self, link: str, slugs: Iterable[str] = ()) -> ArticlePage | None:
        segments = [segment for segment in unquote(urlsplit(link).path).split("/") if segment]
        if segments:
            tail = "/".join(segments) + "/"
            candidates = [root + tail for root in self.root_paths]
            found = {
                article.url_path: article
                for article in ArticlePage.objects.filter(url_path__in=candidates)
            }
            for candidate in candidates:
                if candidate in found:
                    return found[candidate]
        for slug in [*segments[-1:], *slugs]:
            if not slug:
                continue
            # Slugs are unique only among siblings: an ambiguous one matches nothing.
            articles = list(ArticlePage.objects.filter(slug=slug)[:2])
            if len(articles) == 1:
                return articles[0]
        return None


def _thread_import(thread: _Thread, *, finder: _ArticleFinder, report: ImportReport) -> None:
    report.add(thread.report)
    if not thread.entries:
        return
    article = finder.find(thread.link, thread.slugs)
    if article is None:
        report.unmatched.append(
            UnmatchedThread(link=thread.link, title=thread.title, comments=len(thread.entries))
        )
        return
    tally = ImportReport()
    try:
        with transaction.atomic():
            _entries_import(thread.entries, article=article, tally=tally)
    except (DatabaseError, ValueError) as error:
        report.failed.append(FailedThread(link=thread.link, error=str(error) or repr(error)))
        return
    report.add(tally)


def _entries_import(entries: list[_Entry], *, article: ArticlePage, tally: ImportReport) -> None:
    stored: dict[str, Comment] = {}
    for entry, parent_first in _parents_first(entries):
        parent = stored.get(entry.parent_source_id) if entry.parent_source_id else None
        if entry.parent_source_id and not parent_first:
            # An earlier export may have brought the parent in already.
            parent = Comment.objects.filter(
                imported_from=entry.parent_source_id, article=article
            ).first()
        comment, created = actions.comment_import(
            article=article,
            source_id=entry.source_id,
            parent=parent,
            name=entry.name,
            email=entry.email,
            url=entry.url,
            body=entry.body,
            created_at=entry.created_at,
            status=entry.status,
            ip=entry.ip,
        )
        stored[entry.source_id] = comment
        if not created:
            tally.skipped_existing += 1
            continue
        tally.imported += 1
        tally.by_status[entry.status] += 1
        if entry.parent_source_id and parent is None:
            tally.orphans += 1


def _parents_first(entries: list[_Entry]) -> Iterator[tuple[_Entry, bool]]:
    """Entries in date order, each parent before its replies, wherever the file put them.

    Yields each entry with whether its parent comes before it in the thread.
    """
    by_id: dict[str, _Entry] = {}
    for entry in entries:
        by_id.setdefault(entry.source_id, entry)
    unique = list(by_id.values())
    children: dict[str, list[int]] = defaultdict(list)
    ready: list[tuple[datetime, int]] = []
    for index, entry in enumerate(unique):
        if entry.parent_source_id in by_id:
            children[entry.parent_source_id].append(index)
        else:
            ready.append((entry.created_at, index))
    heapq.heapify(ready)
    yielded: set[int] = set()
    while len(yielded) < len(unique):
        if ready:
            _, index = heapq.heappop(ready)
            if index in yielded:
                continue
            parent_first = unique[index].parent_source_id in by_id
        else:
            # Only replies in a loop are left (a corrupt export): the earliest starts afresh.
            _, index = min(
                (unique[i].created_at, i) for i in range(len(unique)) if i not in yielded
            )
            parent_first = False
        yielded.add(index)
        yield unique[index], parent_first
        for child in children[unique[index].source_id]:
            if child not in yielded:
                heapq.heappush(ready, (unique[child].created_at, child))


# Tags with a Markdown equivalent, and tags that at least end a paragraph; every other tag
# is dropped and its text kept, except for these last ones, whose content goes with them.
INLINE_TAGS = {"a", "em", "i", "strong", "b"}
BLOCK_TAGS = {"p", "div", "blockquote", "ul", "ol", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}
DROPPED_WITH_CONTENT = {"script", "style", "template", "iframe", "object", "noscript"}
EMPHASIS = {"em": "*", "i": "*", "strong": "**", "b": "**"}
MARKDOWN_PUNCTUATION = str.maketrans({char: "\\" + char for char in "\\`*_[]"})
ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
# What would make a line a quote or a list item: escaped by a backslash before its last sign.
LINE_START_MARKER = re.compile(r">|(?:[-+]|\d{1,9}[.)])(?=\s|$)")


def html_to_text(fragment: str, *, newlines_are_breaks: bool = False) -> str:
    """A comment's HTML as the Markdown subset the site stores: links, emphasis, quotes."""
    cleaned = nh3.clean(
        fragment,
        tags=INLINE_TAGS | BLOCK_TAGS | {"br"},
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )
    writer = _MarkdownWriter(newlines_are_breaks=newlines_are_breaks)
    writer.feed(cleaned)
    writer.close()
    return writer.text()


class _MarkdownWriter(HTMLParser):
    def __init__(self, *, newlines_are_breaks: bool):
        super().__init__(convert_charrefs=True)
        self.newlines_are_breaks = newlines_are_breaks
        self.blocks: list[tuple[int, str]] = []  # (quote depth, paragraph)
        self.inline: list[str] = []
        self.open: list[tuple[str, int, str]] = []  # (tag, start in inline, href)
        self.link_text: list[str] = []
        self.quote = 0
        self.lists: list[int | None] = []  # the next number of an ordered list, or None
        self.line_start = True

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self._newline()
        elif tag in EMPHASIS or tag == "a":
            href = (dict(attrs).get("href") or "") if tag == "a" else ""
            self.open.append((tag, len(self.inline), href))
            if tag == "a":
                self.link_text = []
        elif tag in ("ul", "ol"):
            self._paragraph_end()
            start = dict(attrs).get("start") or "1"
            self.lists.append(None if tag == "ul" else int(start) if start.isdigit() else 1)
        elif tag == "li":
            if any(part.strip() for part in self.inline):
                self._newline()
            number = self.lists[-1] if self.lists else None
            self.inline.append("- " if number is None else f"{number}. ")
            if number is not None:
                self.lists[-1] = number + 1
            self.line_start = False
        elif tag in BLOCK_TAGS:
            self._paragraph_end()
            if tag == "blockquote":
                self.quote += 1

    def handle_endtag(self, tag):
        if tag in EMPHASIS or tag == "a":
            self._inline_end(tag)
        elif tag in ("ul", "ol"):
            self._paragraph_end()
            if self.lists:
                self.lists.pop()
        elif tag in BLOCK_TAGS and tag != "li":
            self._paragraph_end()
            if tag == "blockquote":
                self.quote = max(self.quote - 1, 0)

    def handle_data(self, data):
        if not self.newlines_are_breaks:
            self._text(data)
            return
        lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for number, line in enumerate(lines):
            if number:
                self._newline()
            self._text(line)

    def _text(self, data: str) -> None:
        words = data.split()
        if not words:
            if data and self.inline and not self.line_start:
                self.inline.append(" ")
            return
        if any(tag == "a" for tag, _, _ in self.open):
            self.link_text.append(data)
        text = " ".join(words).translate(MARKDOWN_PUNCTUATION)
        text = ENTITY_LIKE.sub(r"\\&", text)
        if self.line_start:
            marker = LINE_START_MARKER.match(text)
            if marker:
                text = f"{text[: marker.end() - 1]}\\{text[marker.end() - 1 :]}"
        elif data[0].isspace():
            text = " " + text
        if data[-1].isspace():
            text += " "
        self.inline.append(text)
        self.line_start = False

    def _newline(self) -> None:
        self.inline.append("\n")
        self.line_start = True

    def _inline_end(self, tag: str) -> None:
        for position in range(len(self.open) - 1, -1, -1):
            if self.open[position][0] == tag:
                break
        else:
            return
        _, start, href = self.open.pop(position)
        content = "".join(self.inline[start:])
        del self.inline[start:]
        inner = content.strip()
        lead = " " if content[:1].isspace() else ""
        trail = " " if content[-1:].isspace() else ""
        if tag == "a":
            raw = " ".join("".join(self.link_text).split())
            if not href:
                wrapped = inner
            elif not inner or (raw == href and href.startswith(("http://", "https://"))):
                wrapped = href  # a bare address: the renderer links it again
            else:
                destination = quote(href, safe=";/?:@&=+$,!#%'*[]~")
                wrapped = f"[{inner}]({destination})"
        else:
            marker = EMPHASIS[tag]
            wrapped = f"{marker}{inner}{marker}" if inner and "\n" not in inner else inner
        self.inline.append(lead + wrapped + trail)
        self.line_start = False if wrapped else self.line_start

    def _paragraph_end(self) -> None:
        while self.open:
            self._inline_end(self.open[-1][0])
        text = "".join(self.inline)
        self.inline = []
        self.line_start = True
        paragraph: list[str] = []
        for line in [*text.split("\n"), ""]:
            if line.strip():
                paragraph.append(" ".join(line.split()))
            elif paragraph:
                self.blocks.append((self.quote, "\n".join(paragraph)))
                paragraph = []

    def text(self) -> str:
        self._paragraph_end()
        out: list[str] = []
        previous = 0
        for quote_depth, paragraph in self.blocks:
            if out:
                out.append("\n" + ("> " * min(previous, quote_depth)).rstrip() + "\n")
            prefix = "> " * quote_depth
            out.append("\n".join(prefix + line for line in paragraph.split("\n")))
            previous = quote_depth
        return "".join(out)
