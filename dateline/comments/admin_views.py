"""The moderation desk in the Wagtail admin: queue, comment in context, bans, thread switch."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dateline.core.forms import EmailAddressField, IdChoiceField, IdField
from dateline.core.ids import parse_id
from dateline.core.pagination import paginate
from dateline.newsroom.models import ArticlePage, SectionPage

from . import actions
from .models import Comment, CommenterBan, CommentThread, ModerationEvent
from .networks import BadNetwork, ban_network

QUEUES = [
    ("pending", "Pending"),
    ("reported", "Reported"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("spam", "Spam"),
    ("deleted", "Deleted"),
]
BAN_DURATIONS = [
    ("1", "1 day"),
    ("7", "7 days"),
    ("30", "30 days"),
    ("365", "1 year"),
    ("", "For good"),
]


MODERATE = "comments.change_comment"
moderator_required = permission_required(MODERATE, raise_exception=True)


class QueueFilters(forms.Form):
    status = forms.ChoiceField(choices=QUEUES, required=False)
    article = IdField(required=False)
    section = IdChoiceField(SectionPage.objects.all(), required=False)
    email = forms.CharField(required=False, max_length=254)
    ip = forms.GenericIPAddressField(required=False)

    def filtered(self):
        data = self.cleaned_data if self.is_valid() else {}
        comments = Comment.objects.in_queue(data.get("status") or "pending")
        if data.get("article"):
            comments = comments.filter(article_id=data["article"])
        if data.get("section"):
            section = data["section"]
            comments = comments.filter(article__path__startswith=section.path)
        if data.get("email"):
            comments = comments.filter(author_email__iexact=data["email"].strip())
        if data.get("ip"):
            comments = comments.filter(ip_address=data["ip"])
        return comments.select_related("article").order_by("-created_at", "-pk")


class BanForm(forms.Form):
    email = EmailAddressField(required=False)
    ip = forms.CharField(
        required=False,
        max_length=49,
        label="IP address or prefix",
        help_text="An IPv6 address bans its /64; a prefix such as 203.0.113.0/24 bans it all.",
    )
    duration = forms.ChoiceField(choices=BAN_DURATIONS, initial="7")
    reason = forms.CharField(max_length=300)

    def clean_ip(self) -> str:
        ip = self.cleaned_data["ip"].strip()
        if ip:
            try:
                ban_network(ip)
            except BadNetwork as bad:
                raise forms.ValidationError(str(bad)) from None
        return ip

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("ip"):
            raise forms.ValidationError("Name an email address, an IP address or both.")
        return data

    def until(self):
        days = self.cleaned_data["duration"]
        return timezone.now() + timedelta(days=int(days)) if days else None


@moderator_required
def queue(request):
    filters = QueueFilters(request.GET or None)
    status = request.GET.get("status") or "pending"
    page = paginate(request, filters.filtered(), per_page=50)
    article_id = filters.cleaned_data.get("article") if filters.is_valid() else None
    article = ArticlePage.objects.filter(pk=article_id).first() if article_id else None
    return render(
        request,
        "comments/admin/queue.html",
        {
            "page": page,
            "filters": filters,
            "queues": QUEUES,
            "status": status,
            "counts": {
                key: Comment.objects.in_queue(key).count() for key in ("pending", "reported")
            },
            "article": article,
            "thread": CommentThread.objects.filter(pk=article.pk).first() if article else None,
            "thread_states": CommentThread.State.choices,
            "querystring": request.GET.urlencode(),
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


@moderator_required
def detail(request, pk: int):
    comment = get_object_or_404(Comment.objects.select_related("article", "parent", "user"), pk=pk)
    history = (
        Comment.objects.by_commenter(email=comment.author_email, ip=comment.ip_address)
        .exclude(pk=comment.pk)
        .select_related("article")
        .order_by("-created_at")[:20]
    )
    return render(
        request,
        "comments/admin/detail.html",
        {
            "comment": comment,
            "replies": comment.replies.order_by("created_at")[:50],
            "reports": comment.reports.all(),
            "events": ModerationEvent.objects.filter(comment=comment).select_related("actor"),
            "history": history,
            "history_counts": {
                status: Comment.objects.by_commenter(
                    email=comment.author_email, ip=comment.ip_address
                )
                .filter(status=status)
                .count()
                for status in ("approved", "pending", "rejected", "spam")
            },
            "ban_form": BanForm(initial={"email": comment.author_email, "ip": comment.ip_address}),
            "active_ban": actions.active_ban(email=comment.author_email, ip=comment.ip_address),
        },
    )


@moderator_required
def bans(request):
    form = BanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.commenter_ban(
                email=form.cleaned_data["email"],
                ip=form.cleaned_data["ip"] or None,
                reason=form.cleaned_data["reason"],
                until=form.until(),
                by=request.user,
            )
        except actions.CommentRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Banned. Their pending comments were rejected.")
            return back(request, "comments_admin:bans")
    now = timezone.now()
    active = CommenterBan.objects.filter(lifted_at__isnull=True).filter(
        Q(until__isnull=True) | Q(until__gt=now)
    )
    return render(
        request,
        "comments/admin/bans.html",
        {
            "form": form,
            "active": active.select_related("created_by"),
            "past": CommenterBan.objects.exclude(pk__in=active.values("pk")).select_related(
                "created_by"
            )[:50],
        },
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
