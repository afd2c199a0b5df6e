"""Sends in the Wagtail admin: the list, and each issue's one page, in the order an editor
works: compose, preview, send a test, then send now or schedule (each confirmed with the
number of readers it goes to); once started, its progress and report, and the buttons that
pause, resume and cancel it."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST
from wagtail.admin.ui.components import MediaContainer
from wagtail.admin.ui.side_panels import StatusSidePanel
from wagtail.admin.views.generic import CreateView, EditView

from dateline.core import addresses
from dateline.core.errors import Refused
from dateline.core.pagination import paginate

from . import actions
from .models import Campaign
from .selectors import (
    campaign_preview,
    campaign_problems,
    campaign_progress,
    campaign_recipient_count,
)

SEND = "newsletter.change_campaign"
may_send = permission_required(SEND, raise_exception=True)
MAX_TEST_ADDRESSES = 10
# The email's HTML runs no script and loads nothing but its own inline style and images.
PREVIEW_POLICY = "sandbox; default-src 'none'; img-src * data:; style-src 'unsafe-inline'"


class TestForm(forms.Form):
    to = forms.CharField(
        label="Send a test to",
        max_length=2000,
        help_text="Your address, or a few separated by commas.",
        error_messages={"required": "Enter the address to send the test to."},
    )

    def clean_to(self) -> list[str]:
        typed = [part for part in re.split(r"[\s,;]+", self.cleaned_data["to"]) if part]
        if not typed:
            raise forms.ValidationError("Enter the address to send the test to.")
        if len(typed) > MAX_TEST_ADDRESSES:
            raise forms.ValidationError(f"At most {MAX_TEST_ADDRESSES} addresses at a time.")
        checked = []
        for address in typed:
            try:
                checked.append(addresses.email_normalise(address))
            except addresses.BadAddress as bad:
                raise forms.ValidationError(f"“{address}”: {bad.message}") from None
        return checked


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label="Send at", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


def issue_url(campaign: Campaign, step: str = "") -> str:
    """The issue's one page, at one of its steps (compose, preview, test, send)."""
    return reverse("newsletter_issues:edit", args=[campaign.pk]) + (f"#{step}" if step else "")


@may_send
def campaigns(request):
    page = paginate(request, Campaign.objects.select_related("newsletter"), per_page=30)
    return render(request, "newsletter/admin/campaigns.html", {"page": page})


@may_send
def campaign(request, pk: int):
    """The former send page: it is now part of the issue's one page."""
    return redirect(issue_url(get_object_or_404(Campaign, pk=pk)))


class IssueStatusSidePanel(StatusSidePanel):
    """Wagtail's status panel says "Live" of any model without draft states: a send says
    what it is (Draft, Scheduled for <time>, Sending, Sent on <time>)."""

    def get_status_templates(self, context):
        return [
            "newsletter/admin/_issue_status.html",
            *super().get_status_templates(context)[1:],
        ]


class IssueCreateView(CreateView):
    submit_button_label = "Save draft"
    success_message = "Draft “%(object)s” saved: preview it, send a test, then send it."

    def get_success_buttons(self):
        return []  # Wagtail's "Edit": the issue's page is where this leads

    def get_success_url(self):
        return issue_url(self.object, "preview")


class IssueEditView(EditView):
    """The issue's one page: the compose form (a Wagtail edit view) and the steps after it."""

    submit_button_label = "Save draft"
    success_message = "Draft “%(object)s” saved."

    def get_success_buttons(self):
        return []  # Wagtail's "Edit": this is the page it would lead to

    def get_success_url(self):
        return issue_url(self.object, "preview")

    def get_side_panels(self):
        return MediaContainer(
            [
                IssueStatusSidePanel(
                    self.object,
                    self.request,
                    history_url=self.get_history_url(),
                    last_updated_info=self.get_last_updated_info(),
                )
            ]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The steps work on the issue as saved, not on a form sent back with errors.
        saved = Campaign.objects.select_related("newsletter").get(pk=self.object.pk)
        problems = campaign_problems(saved) if saved.editable else []
        result = self.request.session.pop(test_result_key(saved), None)
        test_form = TestForm(initial={"to": self.request.user.email})
        if result:
            test_form = TestForm(initial={"to": result["to"]})
            if result.get("error"):
                test_form.errors["to"] = test_form.error_class([result["error"]])
        context.update(
            issue=saved,
            problems=problems,
            preview=None if problems else campaign_preview(saved, email=self.preview_email),
            progress=campaign_progress(saved) if saved.started else None,
            recipient_count=campaign_recipient_count(saved),
            test_form=test_form,
            test_result=result,
            schedule_form=ScheduleForm(),
            time_zone=timezone.get_current_timezone_name(),
        )
        return context

    @property
    def preview_email(self) -> str:
        return self.request.user.email or "reader@example.org"


def test_result_key(campaign: Campaign) -> str:
    return f"newsletter:test-result:{campaign.pk}"


@require_GET
@may_send
def progress(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    data = campaign_progress(campaign).as_dict()
    data.update(status=campaign.status, last_error=campaign.last_error)
    return JsonResponse(data)


@never_cache
@xframe_options_sameorigin
@require_GET
@may_send
def preview(request, pk: int, fmt: str):
    """The message as a recipient will see it (as it went out, once started)."""
    campaign = get_object_or_404(Campaign.objects.select_related("newsletter"), pk=pk)
    if not campaign.variants.exists() and (problems := campaign_problems(campaign)):
        return HttpResponse("\n".join(problems), content_type="text/plain", status=400)
    message = campaign_preview(campaign, email=request.user.email or "reader@example.org")
    if fmt == "txt":
        return HttpResponse(message.text, content_type="text/plain; charset=utf-8")
    response = HttpResponse(message.html)
    response["Content-Security-Policy"] = PREVIEW_POLICY
    return response


# The page's plain buttons: the action each calls, and what it says when done.
STEPS = {
    "start": (actions.campaign_start, "Sending has started."),
    "pause": (actions.campaign_pause, "Paused: workers stop after the message in hand."),
    "resume": (actions.campaign_resume, "Sending again from where it stopped."),
    "cancel": (actions.campaign_cancel, "Cancelled: nothing more will be sent."),
    "unschedule": (actions.campaign_unschedule, "No longer scheduled: it is a draft again."),
}
# Buttons that send to readers: the first press asks, with how many readers it goes to.
CONFIRMED = {"start", "schedule"}


def confirmation(request, campaign: Campaign, action: str):
    """The page that asks before a send starts or is scheduled; None where the action
    itself refuses (a send already started, an issue with problems, a time not to come)."""
    if not campaign.editable or campaign_problems(campaign):
        return None
    at = None
    if action == "schedule":
        form = ScheduleForm(request.POST)
        if not form.is_valid() or form.cleaned_data["at"] <= timezone.now():
            return None
        at = timezone.localtime(form.cleaned_data["at"])
    count = campaign_recipient_count(campaign)
    readers = f"{count:,} subscriber{'' if count == 1 else 's'} of {campaign.newsletter}"
    if at is None:
        question = f"Send to {readers}?"
    else:
        question = f"Schedule for {at:%Y-%m-%d %H:%M} ({at.tzname()}), to {readers}?"
    return render(
        request,
        "newsletter/admin/confirm_send.html",
        {
            "campaign": campaign,
            "action": action,
            "question": question,
            "count": count,
            "at": at.strftime("%Y-%m-%dT%H:%M") if at else "",
            "back": issue_url(campaign, "send"),
        },
    )


def send_test(request, campaign: Campaign) -> None:
    """The test's result, kept for the page to show beside the form."""
    form = TestForm(request.POST)
    if not form.is_valid():
        result = {"to": request.POST.get("to", ""), "error": form.errors["to"][0]}
    else:
        try:
            sent = actions.campaign_test_send(campaign=campaign, to=form.cleaned_data["to"])
        except Refused as refusal:
            result = {"to": request.POST["to"], "error": refusal.message}
        else:
            result = {"to": request.POST["to"], "sent": sent}
    request.session[test_result_key(campaign)] = result


@require_POST
@may_send
def act(request, pk: int, action: str):
    """One button of the page: each calls one action and comes back with its result."""
    campaign = get_object_or_404(Campaign.objects.select_related("newsletter"), pk=pk)
    unconfirmed = action in CONFIRMED and request.POST.get("confirm") != "yes"
    if unconfirmed and (asking := confirmation(request, campaign, action)) is not None:
        return asking
    if action == "test":
        send_test(request, campaign)
        return redirect(issue_url(campaign, "test"))
    try:
        if action == "schedule":
            form = ScheduleForm(request.POST)
            if not form.is_valid():
                raise actions.CampaignError("Enter the date and time to send at.")
            at = form.cleaned_data["at"]
            actions.campaign_schedule(campaign=campaign, at=at, by=request.user)
            messages.success(request, f"Scheduled for {timezone.localtime(at):%Y-%m-%d %H:%M}.")
        elif action == "resend-in-doubt":
            count = actions.deliveries_in_doubt_resend(campaign=campaign)
            messages.success(request, f"{count} in-doubt messages will be sent again.")
        elif action in STEPS:
            operation, done = STEPS[action]
            operation(campaign=campaign)
            messages.success(request, done)
        else:
            messages.error(request, "Unknown action.")
    except actions.CampaignError as error:
        messages.error(request, error.message)
    campaign.refresh_from_db()
    return redirect(issue_url(campaign, "send" if campaign.editable else ""))
