"""Sends in the Wagtail admin: the list, each send's page (preview, test, schedule, progress,
report) and the buttons that start, pause, resume and cancel it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dateline.core.pagination import paginate

from . import actions, content
from .models import Campaign
from .selectors import campaign_articles, campaign_progress

SEND = "newsletter.change_campaign"
may_send = permission_required(SEND, raise_exception=True)


class TestForm(forms.Form):
    to = forms.EmailField(label="Send a test to")


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label="Send at", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


@may_send
def campaigns(request):
    page = paginate(request, Campaign.objects.select_related("newsletter"), per_page=30)
    return render(request, "newsletter/admin/campaigns.html", {"page": page})


@may_send
def campaign(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.select_related("newsletter"), pk=pk)
    return render(
        request,
        "newsletter/admin/campaign.html",
        {
            "campaign": campaign,
            "progress": campaign_progress(campaign),
            "problems": actions.campaign_problems(campaign) if campaign.editable else [],
            "test_form": TestForm(initial={"to": request.user.email}),
            "schedule_form": ScheduleForm(),
        },
    )


@require_GET
@may_send
def progress(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    data = campaign_progress(campaign).as_dict()
    data.update(status=campaign.status, last_error=campaign.last_error)
    return JsonResponse(data)


@require_GET
@may_send
def preview(request, pk: int, fmt: str):
    """The message as a recipient will see it (as it went out, once started)."""
    campaign = get_object_or_404(Campaign.objects.select_related("newsletter"), pk=pk)
    variant = campaign.variants.order_by("pk").first()
    if variant is None:
        if problems := actions.campaign_problems(campaign):
            return HttpResponse("\n".join(problems), content_type="text/plain", status=400)
        variant = content.variant_render(
            campaign=campaign,
            key="preview",
            items=content.article_items(campaign_articles(campaign)),
        )
    links = {
        content.UNSUBSCRIBE: "#unsubscribe",
        content.MANAGE: "#preferences",
        content.EMAIL: request.user.email or "reader@example.org",
    }
    if fmt == "txt":
        text = content.personalise(variant.text, links, html=False)
        return HttpResponse(text, content_type="text/plain; charset=utf-8")
    return HttpResponse(content.personalise(variant.html, links, html=True))


# The send page's plain buttons: the action each calls, and what it says when done.
STEPS = {
    "start": (actions.campaign_start, "Sending has started."),
    "pause": (actions.campaign_pause, "Paused: workers stop after the message in hand."),
    "resume": (actions.campaign_resume, "Sending again from where it stopped."),
    "cancel": (actions.campaign_cancel, "Cancelled: nothing more will be sent."),
    "unschedule": (actions.campaign_unschedule, "No longer scheduled: it is a draft again."),
}


@require_POST
@may_send
def act(request, pk: int, action: str):
    """One button of the send page: each calls one action and comes back with its result."""
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        if action == "test":
            form = TestForm(request.POST)
            if not form.is_valid():
                raise actions.CampaignError("Enter the address to send the test to.")
            actions.campaign_test_send(campaign=campaign, to=form.cleaned_data["to"])
            messages.success(request, f"A test went to {form.cleaned_data['to']}.")
        elif action == "schedule":
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
    return redirect("newsletter_admin:campaign", pk=campaign.pk)
