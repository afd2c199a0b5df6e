"""Reads that assemble a page of a comment thread, in a fixed number of queries, the
comments readers may see, the moderation desk's counts, bans and a commenter's history,
and who a commenter is: staff, trusted, banned."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from wagtail.models import Site

from dateline.core.sites import default_site
from dateline.newsroom.models import ArticlePage, Author

from .models import Comment, CommenterBan, CommentSettings, CommentThread
from .networks import neighbourhood, networks_containing
from .policy import Moderation, Policy, mailbox_key, name_words, policy_for

SORTS = {"oldest": ("created_at", "pk"), "newest": ("-created_at", "-pk")}
HIDDEN_PLACEHOLDER_STATUSES = (
    Comment.Status.PENDING,  # an edited comment back in review keeps its replies in place
    Comment.Status.DELETED,
    Comment.Status.REJECTED,
    Comment.Status.SPAM,
)


def published_article(pk: int | None) -> ArticlePage | None:
    return ArticlePage.objects.live().public().filter(pk=pk).first() if pk else None


def readable_comments() -> QuerySet[Comment]:
    """Comments of articles readers can see: nothing of a withdrawn or private article."""
    return Comment.objects.filter(
        article__in=ArticlePage.objects.live().public().values("pk")
    ).select_related("article", "parent")


def remembered_comments(*, ids: Iterable[int], article_id: int | None = None):
    """The comments whose edit tokens a browser holds that may still be shown to it."""
    found = readable_comments().filter(
        pk__in=ids, status__in=[Comment.Status.PENDING, Comment.Status.APPROVED]
    )
    return found if article_id is None else found.filter(article_id=article_id)


@dataclass
class Node:
    comment: Comment
    parent_name: str = ""
    children: list["Node"] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.comment.status == Comment.Status.APPROVED


@dataclass
class ThreadPage:
    article: object
    policy: Policy
    is_open: bool
    count: int
    sort: str
    page: object
    nodes: list[Node]


def thread_page(*, article, request) -> ThreadPage:
    """The `?csort=`, `?cpage=` page of an article's approved comments, replies nested.

    Top-level comments are paginated; each comes with its whole conversation. A removed
    comment that has published replies stays as a marker so the replies keep their place.
    """
    policy = policy_for(article=article, request=request)
    thread = CommentThread.objects.filter(pk=article.pk).first()
    count = thread.approved_count if thread else 0
    sort = request.GET.get("csort", "oldest")
    if sort not in SORTS:
        sort = "oldest"
    published_reply = Comment.objects.filter(root=OuterRef("pk"), status=Comment.Status.APPROVED)
    roots = (
        Comment.objects.on_article(article)
        .top_level()
        .filter(
            Q(status=Comment.Status.APPROVED)
            | Q(status__in=HIDDEN_PLACEHOLDER_STATUSES) & Exists(published_reply)
        )
        .order_by(*SORTS[sort])
    )
    # Without a published comment there is nothing to show: no need to ask.
    # A page that moderation has emptied shows the last one: the article must not 404.
    page = Paginator(roots if count else Comment.objects.none(), policy.per_page).get_page(
        request.GET.get("cpage")
    )
    root_list = list(page.object_list)
    replies = (
        Comment.objects.filter(
            root__in=[root.pk for root in root_list],
            status__in=[Comment.Status.APPROVED, *HIDDEN_PLACEHOLDER_STATUSES],
        ).order_by("created_at", "pk")
        if root_list
        else []
    )
    return ThreadPage(
        article=article,
        policy=policy,
        is_open=policy.is_open(article=article, thread=thread),
        count=count,
        sort=sort,
        page=page,
        nodes=build_tree(root_list, list(replies)),
    )


def build_tree(roots: list[Comment], replies: list[Comment]) -> list[Node]:
    nodes: dict[int | None, Node] = {comment.pk: Node(comment) for comment in [*roots, *replies]}
    children: defaultdict[int | None, list[Node]] = defaultdict(list)
    for reply in replies:
        children[reply.parent_id].append(nodes[reply.pk])
    for parent_id, kids in children.items():
        parent = nodes.get(parent_id)
        for kid in kids:
            kid.parent_name = parent.comment.author_name if parent and parent.shown else ""
        if parent is not None:
            parent.children = kids
    pruned = (prune(nodes[root.pk]) for root in roots)
    return [node for node in pruned if node is not None]


def prune(node: Node) -> Node | None:
    """Drop removed comments that no longer lead to a published one."""
    node.children = [kid for kid in (prune(child) for child in node.children) if kid]
    return node if node.shown or node.children else None


@dataclass(frozen=True)
class Reserved:
    """What anonymous commenters cannot call themselves: names as words, addresses as
    mailboxes (see mailbox_key)."""

    names: frozenset[tuple[str, ...]]
    emails: frozenset[str]


def reserved_identities() -> Reserved:
    """The names and addresses of the newsroom's people: active staff accounts (as their
    comments show them: full name, else username), authors' profiles and their accounts."""
    people = list(
        get_user_model().objects.filter(
            Q(is_staff=True) | Q(is_superuser=True) | Q(author_profile__isnull=False),
            is_active=True,
        )
    )
    names = [user.get_full_name() or user.get_username() for user in people]
    names += Author.objects.values_list("name", flat=True)
    emails = [user.email for user in people if user.email]
    return Reserved(
        names=frozenset(words for words in map(name_words, names) if words),
        emails=frozenset(map(mailbox_key, emails)),
    )


def commenter_is_trusted(*, email: str, user, key_hash: str, policy: Policy) -> bool:
    """Enough approved comments by this commenter, known by what an impostor lacks.

    Anyone can type anyone's name and address, so an address alone proves nothing: the
    approved comments that count are those of the signed-in account, or those written
    with this address from the browser holding this commenter key (a secret kept in an
    HttpOnly cookie, see edit_tokens). A reader on a new browser starts again; an empty
    address or key (erased, imported or older comments) makes nobody trusted.
    """
    if policy.moderation == Moderation.IMMEDIATE:
        return True
    if policy.moderation == Moderation.EVERYONE:
        return False
    who = Q(user=user) if user is not None else Q(pk__in=[])
    if email and key_hash:
        # Addresses are stored lower-cased: an exact match uses the index.
        who |= Q(author_email=email.lower(), commenter_key_hash=key_hash)
    approved = Comment.objects.approved().filter(who)
    return approved[: policy.trusted_after].count() >= policy.trusted_after


def active_ban(*, email: str, ip: str | None, now: datetime | None = None) -> CommenterBan | None:
    """The ban in force on `email` or on a network holding `ip` (an IPv6 address's /64...)."""
    who = Q(email=email.lower()) if email else Q(pk__in=[])
    if networks := networks_containing(ip):
        who |= Q(ip_network__in=networks)
    return (
        CommenterBan.objects.in_force(now)
        .filter(who)
        .order_by(F("until").desc(nulls_first=True))
        .first()
    )


@dataclass
class BanLists:
    active: QuerySet[CommenterBan]
    past: QuerySet[CommenterBan]


def ban_lists(*, past_limit: int = 50) -> BanLists:
    """The bans in force, and the latest of those lifted or ended."""
    active = CommenterBan.objects.in_force().select_related("created_by")
    past = CommenterBan.objects.exclude(pk__in=active.values("pk")).select_related("created_by")
    return BanLists(active=active, past=past[:past_limit])


def moderator_addresses(site: Site | None = None) -> list[str]:
    """Where moderators' digests go: the site's list, else every active superuser's address."""
    site = site or default_site()
    listed = CommentSettings.for_site(site).moderator_emails.split()
    if listed:
        return listed
    users = get_user_model().objects.filter(is_active=True, is_superuser=True).exclude(email="")
    return list(users.values_list("email", flat=True))


def queue_article_titles(queue: str, *, limit: int) -> QuerySet:
    """The headlines of the articles with comments in a moderation queue, A to Z."""
    in_queue = Comment.objects.in_queue(queue).values("article_id")
    return (
        ArticlePage.objects.filter(pk__in=in_queue)
        .order_by("title")
        .values_list("title", flat=True)
        .distinct()[:limit]
    )


def pending_count(request=None) -> int:
    """How many comments wait for a moderator: one indexed count, once per request."""
    if request is not None and hasattr(request, "_comments_pending"):
        return request._comments_pending
    count = Comment.objects.filter(status=Comment.Status.PENDING).count()
    if request is not None:
        request._comments_pending = count
    return count


HISTORY_STATUSES = ("approved", "pending", "rejected", "spam")
HISTORY_GROUPS = {
    "email": "same email address",
    "ip": "same IP address",
    "network": "same network",
}


@dataclass
class History:
    """A commenter's other comments, grouped as the moderator chose (see HISTORY_GROUPS)."""

    group: str
    value: str
    comments: list[Comment]
    counts: dict[str, int]


def commenter_history(*, comment: Comment, group: str = "email", limit: int = 20) -> History:
    """The other comments from `comment`'s email address (the default), its IP address or
    its network (the /24 or /64, see networks.neighbourhood), newest first, and how many
    of each status: two queries. A reader sharing a spammer's IP is not in their history
    unless the moderator asks for it."""
    if group not in HISTORY_GROUPS:
        group = "email"
    value = {
        "email": comment.author_email,
        "ip": comment.ip_address or "",
        "network": comment.ip_block or neighbourhood(comment.ip_address),
    }[group]
    if not value:
        none = dict.fromkeys(HISTORY_STATUSES, 0)
        return History(group=group, value="", comments=[], counts=none)
    match = {
        "email": Q(author_email__iexact=value),
        "ip": Q(ip_address=value),
        "network": Q(ip_block=value),
    }[group]
    others = Comment.objects.filter(match).exclude(pk=comment.pk)
    counts = others.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in HISTORY_STATUSES}
    )
    listed = others.select_related("article").order_by("-created_at", "-pk")[:limit]
    return History(group=group, value=value, comments=list(listed), counts=counts)
