"""The moderation desk in the Wagtail admin: queue, comment in context, bans, thread switch."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dateline.core.ids import parse_id
from dateline.core.pagination import paginate
from dateline.newsroom.models import ArticlePage

from . import actions, selectors
from .forms import QUEUES, BanForm, QueueFilters
from .models import Comment, CommenterBan, CommentThread, ModerationEvent

MODERATE = "comments.change_comment"
moderator_required = permission_required(MODERATE, raise_exception=True)
DONE = {"approve": "Approved", "reject": "Rejected", "spam": "Marked as spam"}
TITLES_LISTED = 200


def queue_tabs(request) -> list[dict]:
    """Each tab keeps the other filters; pending and reported show how many wait."""
    counts = {
        "pending": selectors.pending_count(request),
        "reported": Comment.objects.in_queue("reported").count(),
    }
    tabs = []
    for key, label in QUEUES:
        query = request.GET.copy()
        query.pop("page", None)
        query["status"] = key
        url = "?" + query.urlencode()
        tabs.append({"key": key, "label": label, "url": url, "count": counts.get(key)})
    return tabs


@moderator_required
def queue(request):
    filters = QueueFilters(request.GET)
    status = filters.queue()
    page = paginate(request, filters.filtered(), per_page=50)
    article_id = filters.cleaned_data.get("article")
    article = ArticlePage.objects.filter(pk=article_id).first() if article_id else None
    titles = selectors.queue_article_titles(status, limit=TITLES_LISTED)
    query = request.GET.copy()
    query.pop("page", None)
    every_article = query.copy()
    every_article.pop("article", None)
    return render(
        request,
        "comments/admin/queue.html",
        {
            "page": page,
            "filters": filters,
            "tabs": queue_tabs(request),
            "status": status,
            "article": article,
            "article_titles": titles,
            "thread": CommentThread.objects.filter(pk=article.pk).first() if article else None,
            "thread_states": CommentThread.State.choices,
            "querystring": query.urlencode(),
            "every_article": every_article.urlencode(),
            "decisions": DONE,
        },
    )


def back(request, fallback: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@require_POST
@moderator_required
def bulk(request):
    decision = request.POST.get("decision")
    ids = [pk for pk in map(parse_id, request.POST.getlist("comment")) if pk is not None]
    if decision not in actions.MODERATION_DECISIONS or not ids:
        messages.error(request, "Choose comments and an action.")
    else:
        changed = actions.comment_moderate(comment_ids=ids, decision=decision, by=request.user)
        messages.success(request, f"{changed} comment{'s' if changed != 1 else ''} updated.")
    return back(request, "comments_admin:queue")


def wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@require_POST
@moderator_required
def moderate(request, pk: int):
    """One row's Approve, Reject or Spam button: a redirect back, or JSON for the queue's
    script, which then updates the row and the counts in place."""
    comment = get_object_or_404(Comment, pk=pk)
    decision = request.POST.get("decision", "")
    if decision not in actions.MODERATION_DECISIONS:
        text = "Choose Approve, Reject or Spam."
        if wants_json(request):
            return JsonResponse({"message": text}, status=400)
        messages.error(request, text)
        return back(request, "comments_admin:queue")
    actions.comment_moderate(comment_ids=[pk], decision=decision, by=request.user)
    comment.refresh_from_db(fields=["status"])
    text = f"{DONE[decision]}: the comment by {comment.author_name}."
    if wants_json(request):
        return JsonResponse(
            {
                "message": text,
                "status": comment.get_status_display(),
                "pending": selectors.pending_count(),
            }
        )
    messages.success(request, text)
    return back(request, "comments_admin:queue")


def render_detail(request, comment: Comment, *, ban_form: BanForm | None = None, status=200):
    history = selectors.commenter_history(comment=comment, group=request.GET.get("history", ""))
    return render(
        request,
        "comments/admin/detail.html",
        {
            "comment": comment,
            "replies": comment.replies.order_by("created_at")[:50],
            "reports": comment.reports.all(),
            "events": ModerationEvent.objects.filter(comment=comment).select_related("actor"),
            "history": history,
            "history_groups": selectors.HISTORY_GROUPS,
            "ban_form": ban_form or BanForm.for_comment(comment),
            "active_ban": selectors.active_ban(email=comment.author_email, ip=comment.ip_address),
        },
        status=status,
    )


def comment_for_desk(pk: int) -> Comment:
    return get_object_or_404(Comment.objects.select_related("article", "parent", "user"), pk=pk)


@moderator_required
def detail(request, pk: int):
    return render_detail(request, comment_for_desk(pk))


def ban_from(request, form: BanForm) -> bool:
    """Ban what the `form` names; a refusal goes on the field it is about."""
    if form.is_valid():
        email, ip = form.banned()
        try:
            actions.commenter_ban(
                email=email,
                ip=ip,
                reason=form.cleaned_data["reason"],
                until=form.until(),
                by=request.user,
            )
        except actions.CommentRefused as refusal:
            field = form.cleaned_data["target"] if refusal.field == "ip" else refusal.field
            form.add_error(field if field in form.fields else None, refusal.message)
        else:
            messages.success(request, "Banned. Their pending comments were rejected.")
            return True
    messages.error(request, "Nobody was banned: correct the ban form.")
    return False


@require_POST
@moderator_required
def comment_ban(request, pk: int):
    """The ban form under a comment: a refusal shows the comment again, the form as typed."""
    comment = comment_for_desk(pk)
    form = BanForm.for_comment(comment, request.POST)
    if ban_from(request, form):
        return redirect("comments_admin:detail", pk=pk)
    return render_detail(request, comment, ban_form=form, status=400)


@moderator_required
def bans(request):
    form = BanForm(request.POST or None)
    if request.method == "POST" and ban_from(request, form):
        return back(request, "comments_admin:bans")
    listed = selectors.ban_lists()
    return render(
        request,
        "comments/admin/bans.html",
        {"form": form, "active": listed.active, "past": listed.past},
        status=400 if form.errors else 200,
    )


@require_POST
@moderator_required
def ban_lift(request, pk: int):
    ban = get_object_or_404(CommenterBan, pk=pk, lifted_at__isnull=True)
    actions.commenter_ban_lift(ban=ban, by=request.user)
    messages.success(request, "Ban lifted.")
    return back(request, "comments_admin:bans")


@require_POST
@moderator_required
def thread_state(request, article_id: int):
    article = get_object_or_404(ArticlePage, pk=article_id)
    try:
        thread = actions.thread_state_set(
            article=article, state=request.POST.get("state", ""), by=request.user
        )
    except actions.CommentRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"Comments on “{article.title}”: {thread.get_state_display()}.")
    return back(request, "comments_admin:queue")


@moderator_required
def log(request):
    events = ModerationEvent.objects.select_related("comment", "actor", "article")
    return render(
        request, "comments/admin/log.html", {"page": paginate(request, events, per_page=100)}
    )
