"""What every importer shares: the report, the threads and entries read from an export,
and storing a thread's entries under the article its link points at, through
`actions.comment_import`, one thread per transaction."""

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote, urlsplit

from django.db import DatabaseError, transaction
from wagtail.models import Site

from dateline.newsroom.models import ArticlePage

from .. import actions
from ..models import Comment

Status = Comment.Status

REPORT_ORDER = (Status.APPROVED, Status.PENDING, Status.SPAM, Status.REJECTED, Status.DELETED)
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
class Entry:
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
class Thread:
    link: str
    title: str
    slugs: tuple[str, ...] = ()
    entries: list[Entry] = field(default_factory=list)
    report: ImportReport = field(default_factory=ImportReport)


class ArticleFinder:
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


def thread_import(thread: Thread, *, finder: ArticleFinder, report: ImportReport) -> None:
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


def _entries_import(entries: list[Entry], *, article: ArticlePage, tally: ImportReport) -> None:
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


def _parents_first(entries: list[Entry]) -> Iterator[tuple[Entry, bool]]:
    """Entries in date order, each parent before its replies, wherever the file put them.

    Yields each entry with whether its parent comes before it in the thread.
    """
    by_id: dict[str, Entry] = {}
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
