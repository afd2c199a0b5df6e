import functools
import sys

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.template.defaultfilters import pluralize
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from . import actions, formstamp, selectors
from .health import health_report
from .models import OutboxMessage
from .outage import database_unavailable, is_database_outage
from .pagination import paginate
from .security_headers import CSP_HEADER, self_contained_page_policy


@never_cache
@require_GET
def form_stamp(request):
    """A fresh stamp for a form in a cached page (see dateline.core.formstamp)."""
    return JsonResponse({"issued": formstamp.issue()})


@never_cache
def health(request):
    """Each part the site depends on, as JSON; 503 when it cannot serve (dateline.core.health)."""
    report = health_report()
    return JsonResponse(report.as_json(), status=report.http_status)


def favicon(request):
    # Not permanent: the target's name carries a content hash that changes with the file.
    return redirect(static("favicon.svg"))


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    if is_database_outage(error := sys.exception()):
        return database_unavailable(request, error)  # type: ignore[arg-type]
    # No context processors: whatever broke the page may break them too; nor static files:
    # its style is inline, allowed by its hash in the page's own policy.
    page = loader.get_template("500.html").render()
    response = HttpResponse(page, status=500)
    response[CSP_HEADER] = self_contained_page_policy(page)
    return response


def superuser_required(view):
    """Mail in the outbox is readers' mail: other admin users have no business reading it."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@superuser_required
def outbox_index(request):
    page = paginate(request, OutboxMessage.objects.all(), per_page=50)
    return render(request, "core/outbox_index.html", {"page": page})


@superuser_required
def outbox_detail(request, pk: int):
    message = get_object_or_404(OutboxMessage, pk=pk)
    return render(request, "core/outbox_detail.html", {"message": message})


@superuser_required
@xframe_options_sameorigin
def outbox_html(request, pk: int):
    """The HTML part alone, shown in a sandboxed frame that runs no script."""
    message = get_object_or_404(OutboxMessage, pk=pk)
    response = HttpResponse(message.html_body, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src * data:; style-src 'unsafe-inline'"
    )
    return response


@superuser_required
def mail_queue(request):
    """Transactional email for the operator: what waits, and what failed or is in doubt."""
    listing = request.GET.get("list", "undelivered")
    if listing not in selectors.MAIL_QUEUE_LISTS:
        raise Http404("No such list.")
    page = paginate(request, selectors.mail_queue_emails(listing=listing), per_page=50)
    return render(
        request,
        "core/mail_queue.html",
        {
            "page": page,
            "listing": listing,
            "lists": selectors.MAIL_QUEUE_LISTS,
            "summary": selectors.mail_queue_summary(),
            "retry_hours": settings.MAIL_RETRY_HOURS,
        },
    )


@superuser_required
@require_POST
def mail_send_again(request):
    if request.POST.get("all"):
        email_ids = list(
            selectors.mail_queue_emails(listing="undelivered").values_list("pk", flat=True)
        )
    else:
        # Ids as the database can hold them; anything else names no email.
        email_ids = [int(v) for v in request.POST.getlist("email") if v.isdigit() and len(v) < 19]
    queued = actions.emails_send_again(email_ids=email_ids)
    if queued:
        messages.success(request, f"{queued} email{pluralize(queued)} queued to go again.")
    else:
        messages.warning(request, "Nothing to send again: those emails are no longer undelivered.")
    return redirect(f"{reverse('core_mail:index')}?list=waiting")
