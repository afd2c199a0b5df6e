import functools

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from . import formstamp
from .models import OutboxMessage
from .pagination import paginate


@never_cache
@require_GET
def form_stamp(request):
    """A fresh stamp for a form in a cached page (see dateline.core.formstamp)."""
    return JsonResponse({"issued": formstamp.issue()})


@never_cache
def health(request):
    """Liveness and database reachability, for load balancers and monitors."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def favicon(request):
    # Not permanent: the target's name carries a content hash that changes with the file.
    return redirect(static("favicon.svg"))


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No context processors: whatever broke the page may break them too.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


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
