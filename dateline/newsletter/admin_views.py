"""The mailing list in the Wagtail admin: subscribers, CSV in and out, suppression list."""

import csv
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dateline.core.pagination import paginate

from . import actions
from .models import Newsletter, Subscriber, Subscription, SuppressedAddress

MANAGE_LIST = "newsletter.change_subscriber"
manage_list = permission_required(MANAGE_LIST, raise_exception=True)
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class SubscriberFilters(forms.Form):
    q = forms.CharField(required=False, label="Address contains")
    status = forms.ChoiceField(choices=[("", "Any"), *Subscriber.Status.choices], required=False)
    newsletter = forms.ModelChoiceField(Newsletter.objects.all(), required=False)

    def filtered(self):
        data = self.cleaned_data if self.is_valid() else {}
        subscribers = Subscriber.objects.all()
        if query := data.get("q", "").strip():
            # email_key is Python's lower-casing: SQLite's icontains folds ASCII letters only.
            subscribers = subscribers.filter(email_key__contains=query.lower())
        if data.get("status"):
            subscribers = subscribers.filter(status=data["status"])
        if data.get("newsletter"):
            subscribers = subscribers.filter(subscriptions__newsletter=data["newsletter"])
        return subscribers.order_by("-created_at", "-pk")


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV: one address per line, in the first column.")
    newsletters = forms.ModelMultipleChoiceField(
        Newsletter.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: the newsletters selected by default.",
    )
    consent_source = forms.CharField(
        required=False,
        max_length=500,
        help_text="Only if these people consented elsewhere: say where and when (it is kept as "
        "their consent record). Empty: each gets a confirmation email and stays pending.",
    )

    def rows(self) -> list[list[str]]:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB; split it.")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not UTF-8 text; save it as CSV UTF-8."
            ) from None
        return list(csv.reader(io.StringIO(text)))


@manage_list
def subscribers(request):
    filters = SubscriberFilters(request.GET or None)
    confirmed = dict(
        Subscription.objects.filter(subscriber__status=Subscriber.Status.CONFIRMED)
        .values_list("newsletter")
        .annotate(count=Count("pk"))
    )
    counts = [
        (newsletter, confirmed.get(newsletter.pk, 0)) for newsletter in Newsletter.objects.all()
    ]
    page = paginate(
        request, filters.filtered().prefetch_related("subscriptions__newsletter"), per_page=100
    )
    return render(
        request,
        "newsletter/admin/subscribers.html",
        {
            "page": page,
            "filters": filters,
            "counts": counts,
            "querystring": request.GET.urlencode(),
        },
    )


def spreadsheet_safe(value: str) -> str:
    """Readers choose their addresses: one starting "=" must not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "|", "\t", "\r") else value


class Echo:
    def write(self, value):
        return value


@manage_list
def export_csv(request):
    """Every subscriber the filters select, streamed: memory stays flat however long the list."""
    filters = SubscriberFilters(request.GET or None)
    writer = csv.writer(Echo())

    def lines():
        yield writer.writerow(["email", "status", "created_at", "confirmed_at", "newsletters"])
        for subscriber in (
            filters.filtered()
            .prefetch_related("subscriptions__newsletter")
            .iterator(chunk_size=2000)
        ):
            yield writer.writerow(
                [
                    spreadsheet_safe(subscriber.email),
                    subscriber.status,
                    subscriber.created_at.isoformat(),
                    subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else "",
                    ";".join(s.newsletter.slug for s in subscriber.subscriptions.all()),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="subscribers.csv"'
    return response


@manage_list
def import_csv(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            rows = form.rows()
        except forms.ValidationError as error:
            form.add_error("file", error)
        else:
            report = actions.subscribers_import(
                rows=rows,
                consent_source=form.cleaned_data["consent_source"].strip(),
                newsletter_slugs=[n.slug for n in form.cleaned_data["newsletters"]] or None,
            )
            if not report.errors:
                messages.success(
                    request,
                    f"{report.added} added ({report.confirmed_by_source} with stated consent), "
                    f"{report.already} already on the list.",
                )
                return redirect("newsletter_admin:subscribers")
    status = 400 if form.errors or (report and report.errors) else 200
    return render(
        request, "newsletter/admin/import.html", {"form": form, "report": report}, status=status
    )


class SuppressForm(forms.Form):
    email = forms.CharField(max_length=254)
    note = forms.CharField(max_length=300, required=False)


@manage_list
def suppression(request):
    form = SuppressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.address_suppress(
                email=form.cleaned_data["email"], note=form.cleaned_data["note"]
            )
        except actions.SignupRefused as refusal:
            form.add_error("email", refusal.message)
        else:
            messages.success(request, "Suppressed: that address will not be emailed.")
            return redirect("newsletter_admin:suppression")
    return render(
        request,
        "newsletter/admin/suppression.html",
        {"form": form, "page": paginate(request, SuppressedAddress.objects.all(), per_page=100)},
        status=400 if form.errors else 200,
    )


@require_POST
@manage_list
def unsuppress(request, pk: int):
    actions.address_unsuppress(suppressed=get_object_or_404(SuppressedAddress, pk=pk))
    messages.success(request, "Removed from the suppression list.")
    return redirect("newsletter_admin:suppression")
