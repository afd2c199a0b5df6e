"""Reader-facing comment views: each parses input, calls one action, and answers.

The article page that shows the thread and the form is cached and shared, so it holds no
CSRF token and nothing about the visitor. Posting, editing and deleting are authorised by
the form's own checks, by an edit token in an HttpOnly SameSite cookie limited to /comments/,
and by an Origin check; signed-in readers, whose pages are never shared, also send a CSRF
token. A script on the page asks /comments/mine/ for the visitor's own comments.

A comment that not every reader may see (held, rejected, spam, deleted, or of an article
that is not published) is answered, to a browser without its edit token, exactly as a
comment that never existed: a 404, whatever the method or the body. Editing and deleting
answer so for every comment without the token, and for every comment of an article that
is not published, token or not.
"""

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wagtail.models import Site

from dateline.core import formstamp
from dateline.core.http import (
    client_ip,
    form_errors_json,
    rate_limit_key,
    same_origin_post,
    wants_json,
)
from dateline.core.ids import parse_id
from dateline.core.ratelimit import rate_limit_hit

from . import actions, tokens
from .edit_tokens import (
    can_edit,
    commenter_key,
    edit_deadline,
    edit_token_for,
    holds_token,
    remember_commenter_key,
    remember_edit_token,
    remembered_tokens,
)
from .forms import CommentForm, EditForm, EraseConfirmForm, EraseRequestForm, ReportForm
from .models import Comment
from .policy import policy_for
from .selectors import published_article, readable_comments, remembered_comments

STATUS_MESSAGES: dict[str, str] = {
    Comment.Status.APPROVED: "Thank you: your comment is published.",
    Comment.Status.PENDING: "Thank you: your comment is awaiting moderation.",
    Comment.Status.SPAM: "Thank you: your comment is awaiting moderation.",
}


def comment_html(request, comment: Comment, *, max_depth: int | None = None) -> str:
    """One of the visitor's own comments, as the thread would show it, pending or not."""
    pending = comment.status != Comment.Status.APPROVED
    if max_depth is None:
        max_depth = policy_for(article=comment.article, request=request).max_depth
    context = {
        "comment": comment,
        "pending": pending,
        "can_reply": not pending and comment.depth + 1 < max_depth,
    }
    return render_to_string("comments/_single.html", context, request=request)


def form_failed(request, form, *, article, status: int = 400, retry_after: int | None = None):
    """The form again with its messages and every word the reader typed."""
    formstamp.renew(form)
    response: HttpResponse
    if wants_json(request):
        response = form_errors_json(form, status=status)
    else:
        parent_id = form.cleaned_data.get("parent") if hasattr(form, "cleaned_data") else None
        context = {
            "form": form,
            "article": article,
            "parent": readable_comments().filter(pk=parent_id, status="approved").first()
            if parent_id
            else None,
            "signed_in_user": signed_in_user(request),
        }
        response = render(request, "comments/post_form.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def signed_in_user(request):
    return request.user if request.user.is_authenticated else None


def rate_limited(request, form) -> int | None:
    """Seconds to wait when this network, or this address from this network, posts too fast.

    The per-address count is kept per network: anyone can type anyone's address, and posts
    made elsewhere in someone's name must not lock them out.
    """
    limits = settings.COMMENTS_RATE_LIMITS
    network = rate_limit_key(client_ip(request))
    waits = [rate_limit_hit(scope="comment-ip", key=network, limits=limits["ip"])]
    email = form.cleaned_data.get("email") or getattr(request.user, "email", "")
    if email:
        key = f"{network} {email.lower()}"
        waits.append(rate_limit_hit(scope="comment-email", key=key, limits=limits["email"]))
    return max((wait for wait in waits if wait), default=None)


def csrf_refused(request) -> HttpResponse | None:
    """Signed-in readers post with their session: that is what CSRF tokens protect."""
    return CsrfViewMiddleware(_not_called).process_view(request, _not_called, (), {})


def _not_called(request) -> HttpResponse:
    # The middleware wants a next handler and a view; its check alone (process_view) calls
    # neither. Were one ever called, it would refuse rather than serve.
    return HttpResponseForbidden()


@csrf_exempt
@require_POST
@same_origin_post
def post(request):
    signed_in = request.user.is_authenticated
    if signed_in and (refusal := csrf_refused(request)):
        return refusal
    form = CommentForm(request.POST, signed_in=signed_in)
    article = published_article(parse_id(form.data.get("article", "")))
    if form.is_valid() and article is None:
        form.add_error(None, "This article does not exist or is not published.")
    if not form.is_valid():
        return form_failed(request, form, article=article)
    if wait := rate_limited(request, form):
        form.add_error(None, f"You are posting too fast. Try again in {wait} seconds.")
        return form_failed(request, form, article=article, status=429, retry_after=wait)
    data = form.cleaned_data
    try:
        posted = actions.comment_post(
            article=article,
            parent_id=data["parent"],
            name=data["name"],
            email=data["email"],
            url=data["url"],
            body=data["body"],
            notify_replies=data["notify"],
            user=request.user,
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            post_key=data["post_key"] or None,
            commenter_key=commenter_key(request),
            site=Site.find_for_request(request),
        )
    except actions.CommentRefused as refusal:
        form.add_error(refusal.field, refusal.message)
        return form_failed(request, form, article=article)
    comment = posted.comment
    if wants_json(request):
        response = JsonResponse(
            {
                "message": STATUS_MESSAGES.get(comment.status, "Thank you."),
                "status": comment.status,
                "comment": {
                    "id": comment.pk,
                    "parent": comment.parent_id,
                    "html": comment_html(request, comment),
                },
            },
            status=201 if posted.created else 200,
        )
    else:
        response = redirect("comments:detail", pk=comment.pk)
    if posted.edit_token:
        remember_edit_token(request, response, comment=comment, token=posted.edit_token)
    if posted.commenter_key:
        remember_commenter_key(request, response, key=posted.commenter_key)
    return response


@never_cache
@require_GET
def mine(request):
    """The visitor's own comments on an article: pending ones to show, editable ones to mark."""
    tokens_by_id = remembered_tokens(request)
    article_id = (parse_id(request.GET["article"]) or 0) if "article" in request.GET else None
    found = remembered_comments(ids=tokens_by_id.keys(), article_id=article_id)
    max_depths: dict[int, int] = {}  # one policy lookup per article, not per comment
    mine = []
    for comment in found:
        if not holds_token(comment, tokens_by_id[comment.pk]):
            continue
        if comment.article_id not in max_depths:
            policy = policy_for(article=comment.article, request=request)
            max_depths[comment.article_id] = policy.max_depth
        editable = can_edit(comment, tokens_by_id[comment.pk])
        mine.append(
            {
                "id": comment.pk,
                "parent": comment.parent_id,
                "status": comment.status,
                "editable": editable,
                "edit_until": edit_deadline(comment).isoformat() if editable else None,
                "html": comment_html(request, comment, max_depth=max_depths[comment.article_id]),
            }
        )
    return JsonResponse({"comments": mine})


@never_cache
@require_GET
def detail(request, pk: int):
    """A comment on its own: where a reader lands after posting without JavaScript."""
    comment = get_object_or_404(readable_comments(), pk=pk)
    token = edit_token_for(request, comment)
    own = holds_token(comment, token)
    if comment.status != Comment.Status.APPROVED and not own:
        raise Http404("No such comment.")
    return render(
        request,
        "comments/detail.html",
        {
            "comment": comment,
            "article": comment.article,
            "own": own,
            "editable": can_edit(comment, token),
            "pending": own and comment.status != Comment.Status.APPROVED,
            "message": STATUS_MESSAGES.get(comment.status) if own else None,
        },
    )


@require_GET
def reply(request, pk: int):
    """The reply form on a page of its own, for readers without JavaScript."""
    parent = get_object_or_404(readable_comments(), pk=pk, status="approved")
    article = parent.article
    user = signed_in_user(request)
    form = CommentForm(
        initial={"article": article.pk, "parent": parent.pk, "issued": formstamp.issue()},
        signed_in=user is not None,
    )
    context = {"form": form, "article": article, "parent": parent, "signed_in_user": user}
    return render(request, "comments/post_form.html", context)


def own_comment(request, pk: int) -> tuple[Comment, str]:
    """The comment `pk` of a published article, if this browser holds its token; else 404."""
    comment = get_object_or_404(readable_comments(), pk=pk)
    token = edit_token_for(request, comment)
    if token is None or not holds_token(comment, token):
        raise Http404("No such comment.")
    return comment, token


@csrf_exempt
@require_http_methods(["GET", "POST"])
@same_origin_post
def edit(request, pk: int):
    comment, token = own_comment(request, pk)
    if request.method == "GET" and not can_edit(comment, token):
        return render(
            request, "comments/edit.html", {"comment": comment, "closed": True}, status=403
        )
    # A POST is bound whatever it holds: an empty one is an empty text, not the stored one.
    bound = request.POST if request.method == "POST" else None
    form = EditForm(bound, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            comment = actions.comment_edit(
                comment=comment,
                token=token,
                body=form.cleaned_data["body"],
                site=Site.find_for_request(request),
            )
        except actions.CommentRefused as refusal:
            form.add_error("body" if refusal.field else None, refusal.message)
        else:
            if wants_json(request):
                return JsonResponse(
                    {
                        "message": STATUS_MESSAGES.get(comment.status, "Saved."),
                        "status": comment.status,
                        "comment": {"id": comment.pk, "html": comment_html(request, comment)},
                    }
                )
            return redirect("comments:detail", pk=comment.pk)
    if request.method == "POST":
        return form_failed_simple(request, form, "comments/edit.html", comment)
    return render(request, "comments/edit.html", {"comment": comment, "form": form})


def form_failed_simple(request, form, template: str, comment: Comment):
    if wants_json(request):
        return form_errors_json(form, status=400)
    return render(request, template, {"comment": comment, "form": form}, status=400)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@same_origin_post
def delete(request, pk: int):
    comment, token = own_comment(request, pk)
    if request.method == "GET":
        editable = can_edit(comment, token)
        return render(
            request,
            "comments/delete.html",
            {"comment": comment, "closed": not editable},
            status=200 if editable else 403,
        )
    try:
        actions.comment_delete_own(comment=comment, token=token)
    except actions.CommentRefused as refusal:
        if wants_json(request):
            return JsonResponse({"message": refusal.message}, status=403)
        return render(
            request, "comments/delete.html", {"comment": comment, "closed": True}, status=403
        )
    if wants_json(request):
        return JsonResponse({"message": "Your comment is deleted."})
    return redirect(f"{comment.article.url}#comments")


@csrf_exempt
@require_http_methods(["GET", "POST"])
@same_origin_post
def report(request, pk: int):
    comment = get_object_or_404(readable_comments(), pk=pk, status="approved")
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        return render(request, "comments/report.html", {"comment": comment, "form": form})
    status, wait = 400, None
    if form.is_valid():
        network = rate_limit_key(client_ip(request))
        wait = rate_limit_hit(scope="comment-report", key=network, limits=[(10, 3600)])
        if wait:
            form.add_error(None, f"You have sent many reports. Try again in {wait} seconds.")
            status = 429
        else:
            actions.comment_report(
                comment=comment,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                ip=client_ip(request),
            )
            message = "Thank you: moderators will look at this comment."
            if wants_json(request):
                return JsonResponse({"message": message})
            return render(request, "comments/report.html", {"comment": comment, "done": message})
    response: HttpResponse
    if wants_json(request):
        response = form_errors_json(form, status=status)
    else:
        context = {"comment": comment, "form": form}
        response = render(request, "comments/report.html", context, status=status)
    if wait:
        response["Retry-After"] = str(wait)
    return response


def signed_link(request, token: str, *, purpose: str, template: str, act):
    """A link from an email: GET says what it will do, POST does it (scanners only GET)."""
    try:
        email = tokens.read(purpose, token)
    except tokens.BadToken as bad:
        return render(request, template, {"error": bad.message}, status=400)
    if request.method == "POST":
        act(email=email)
        return render(request, template, {"email": email, "done": True})
    return render(request, template, {"email": email})


@require_http_methods(["GET", "POST"])
def notify_confirm(request, token: str):
    return signed_link(
        request,
        token,
        purpose=tokens.CONFIRM_NOTIFICATIONS,
        template="comments/notify_confirm.html",
        act=actions.reply_notifications_confirm,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def notify_unsubscribe(request, token: str):
    """RFC 8058 one-click: a POST without cookie or CSRF token unsubscribes at once."""
    return signed_link(
        request,
        token,
        purpose=tokens.UNSUBSCRIBE,
        template="comments/notify_unsubscribe.html",
        act=actions.reply_notifications_opt_out,
    )


@require_http_methods(["GET", "POST"])
def erase_request(request):
    """A reader asks for their personal data to be erased; a link to their address proves it."""
    form = EraseRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        network = rate_limit_key(client_ip(request))
        if not rate_limit_hit(scope="erase-ip", key=network, limits=[(5, 3600)]):
            actions.commenter_erasure_request(email=email)
        # The same answer whether or not the address has comments: nobody learns who does.
        return render(request, "comments/erase.html", {"sent_to": email})
    return render(
        request, "comments/erase.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def erase_confirm(request, token: str):
    try:
        email = tokens.read(tokens.ERASE, token)
    except tokens.BadToken as bad:
        return render(request, "comments/erase_confirm.html", {"error": bad.message}, status=400)
    form = EraseConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        count = actions.commenter_erase(email=email, remove_text=form.cleaned_data["remove_text"])
        return render(
            request,
            "comments/erase_confirm.html",
            {"finished": True, "count": count, "email": email},
        )
    return render(request, "comments/erase_confirm.html", {"form": form, "email": email})
