"""The mailing list's reader pages: signing up, confirming, unsubscribing.

Signup forms sit in cached pages (footer, end of articles), so the POST carries no CSRF
token: it changes nothing a forger could profit from (it can only ask an address's owner
to confirm, a few times a day at most) and is checked by Origin, honeypot and fill time.
"""

import functools

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from wagtail.models import Site

from dateline.core import captcha, formstamp
from dateline.core.http import (
    client_ip,
    form_errors_json,
    rate_limit_key,
    same_origin_post,
    wants_json,
)
from dateline.core.ratelimit import rate_limit_hit

from . import actions, content, selectors, tokens
from .forms import PreferencesForm, SignupForm
from .models import Campaign, MailingListSettings, Subscriber


def signup_failed(request, form, *, status: int, retry_after: int | None = None):
    formstamp.renew(form)
    if wants_json(request):
        response = form_errors_json(form, status=status)
    else:
        response = render(request, "newsletter/signup.html", {"form": form}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
@same_origin_post
def signup(request):
    if request.method == "GET":
        form = SignupForm(initial={"source": "page", "issued": formstamp.issue()})
        return render(request, "newsletter/signup.html", {"form": form})
    form = SignupForm(request.POST)
    if form.is_valid() and not captcha.passed(request):
        form.add_error(None, "Please complete the check that you are not a robot.")
    if not form.is_valid():
        return signup_failed(request, form, status=400)
    limits = [(settings.NEWSLETTER_SIGNUPS_PER_IP_PER_HOUR, 3600)]
    network = rate_limit_key(client_ip(request))
    if wait := rate_limit_hit(scope="signup-ip", key=network, limits=limits):
        form.add_error(None, f"Too many signups from your network. Try again in {wait} seconds.")
        return signup_failed(request, form, status=429, retry_after=wait)
    try:
        actions.subscriber_signup(
            email=form.cleaned_data["email"],
            newsletter_slugs=form.cleaned_data["newsletters"]
            if form.cleaned_data["choices_shown"]
            else None,
            source=form.cleaned_data["source"],
            ip=client_ip(request),
            site=Site.find_for_request(request),
        )
    except actions.SignupRefused as refusal:
        form.add_error("email", refusal.message)
        return signup_failed(request, form, status=400)
    after_submit = MailingListSettings.for_request(request).after_submit
    if wants_json(request):
        return JsonResponse({"message": after_submit})
    return render(request, "newsletter/signup_done.html", {"message": after_submit})


@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """GET asks; only the POST confirms, so a mail scanner following links confirms nothing."""
    try:
        subscriber_id, email = tokens.read_confirm(token)
        if request.method == "POST":
            confirmed = actions.subscriber_confirm(subscriber_id=subscriber_id, email=email)
            return render(request, "newsletter/welcome.html", {"already": confirmed.already})
    except (tokens.BadToken, actions.SignupRefused) as bad:
        return render(request, "newsletter/confirm.html", {"error": bad.message}, status=400)
    confirmed = Subscriber.objects.filter(
        pk=subscriber_id, email_key=email.lower(), status=Subscriber.Status.CONFIRMED
    ).exists()
    return render(request, "newsletter/confirm.html", {"email": email, "confirmed": confirmed})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """RFC 8058 one-click: a POST without cookie or CSRF token leaves, at once, the list the
    message belongs to (see tokens); the preferences page offers leaving them all."""
    try:
        link = tokens.read_unsubscribe(token)
        subscriber = Subscriber.objects.get(pk=link.subscriber_id, email_key=link.email)
    except (tokens.BadToken, Subscriber.DoesNotExist):
        error = "This link is not valid, or the address is no longer on our list."
        return render(request, "newsletter/unsubscribe.html", {"error": error}, status=400)
    newsletter = selectors.unsubscribe_newsletter(
        newsletter_id=link.newsletter_id, campaign_id=link.campaign_id
    )
    context = {
        "email": subscriber.email,
        "newsletter": newsletter,
        "gone": link.names_a_list and newsletter is None,
        "manage_url": reverse("newsletter:manage", args=[tokens.manage_token(subscriber)]),
    }
    if request.method == "POST" and not context["gone"]:
        subscriber = actions.subscriber_unsubscribe(
            subscriber=subscriber,
            newsletter=newsletter,
            source="unsubscribe link",
            campaign_id=link.campaign_id,
        )
        context["done"] = True
    context["still_received"] = selectors.newsletters_received(subscriber)
    return render(request, "newsletter/unsubscribe.html", context)


def managed_subscriber(token: str) -> Subscriber:
    subscriber_id, email = tokens.read_manage(token)
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.email_key != email:
        raise tokens.BadToken("This link is for an address that is no longer on our list.")
    return subscriber


@require_http_methods(["GET", "POST"])
def manage(request, token: str):
    """Preferences, reached from every email: newsletters, address, leaving, your data."""
    try:
        subscriber = managed_subscriber(token)
    except tokens.BadToken as bad:
        return render(request, "newsletter/manage.html", {"error": bad.message}, status=400)
    form = PreferencesForm(request.POST or None, subscriber=subscriber)
    notice, status = None, 200
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        if action == "delete" and request.POST.get("sure"):
            actions.subscriber_delete(subscriber=subscriber)
            return render(request, "newsletter/manage.html", {"deleted": True})
        if action == "delete":
            notice, status = "Tick the box to confirm that everything should be deleted.", 400
        elif action == "unsubscribe":
            actions.subscriber_unsubscribe(subscriber=subscriber, source="preferences")
            notice = "You are unsubscribed from every newsletter."
        elif action == "change_email" and not form.cleaned_data["new_email"]:
            form.add_error("new_email", "Enter the new address.")
            status = 400
        elif action == "change_email":
            try:
                actions.subscriber_email_change_request(
                    subscriber=subscriber, new_email=form.cleaned_data["new_email"]
                )
                notice = "Look for an email at the new address and confirm it there."
            except actions.SignupRefused as refusal:
                form.add_error("new_email", refusal.message)
                status = 400
        else:
            try:
                actions.subscriber_preferences_set(
                    subscriber=subscriber,
                    newsletter_slugs=form.cleaned_data["newsletters"],
                    digest_sections=form.cleaned_data["sections"],
                )
                notice = "Your choices are saved."
            except actions.SignupRefused as refusal:
                notice, status = refusal.message, 400
        subscriber.refresh_from_db()
        form = PreferencesForm(subscriber=subscriber) if status == 200 else form
    elif request.method == "POST":
        status = 400
    context = {"form": form, "subscriber": subscriber, "notice": notice, "token": token}
    return render(request, "newsletter/manage.html", context, status=status)


@require_GET
def manage_data(request, token: str):
    try:
        subscriber = managed_subscriber(token)
    except tokens.BadToken as bad:
        return JsonResponse({"error": bad.message}, status=400)
    response = JsonResponse(selectors.subscriber_export(subscriber=subscriber))
    response["Content-Disposition"] = 'attachment; filename="my-newsletter-data.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def change(request, token: str):
    """The new address's owner confirms the move: GET asks, POST does it."""
    try:
        subscriber_id, old, new = tokens.read_change(token)
        if request.method == "POST":
            actions.subscriber_email_change(
                subscriber_id=subscriber_id, old_email=old, new_email=new
            )
            return render(request, "newsletter/change.html", {"done": True, "new": new})
    except (tokens.BadToken, actions.SignupRefused) as bad:
        return render(request, "newsletter/change.html", {"error": bad.message}, status=400)
    return render(request, "newsletter/change.html", {"new": new})


@require_GET
def issue(request, pk: int):
    """ "View in browser": a send as it went out, with the list's public links for anyone's."""
    campaign = Campaign.objects.filter(
        pk=pk, status__in=[Campaign.Status.SENDING, Campaign.Status.PAUSED, Campaign.Status.SENT]
    ).first()
    variant = campaign.variants.order_by("pk").first() if campaign else None
    if variant is None:
        raise Http404("No such newsletter issue.")
    # An issue whose articles were withdrawn or deleted is withdrawn with them.
    if selectors.campaign_withdrawn(campaign):
        raise Http404("This newsletter issue is no longer available.")
    signup = reverse("newsletter:signup")
    html = content.personalise(
        variant.html,
        {content.UNSUBSCRIBE: signup, content.MANAGE: signup, content.EMAIL: "your address"},
        html=True,
    )
    response = HttpResponse(html)
    response["Cache-Control"] = "public, max-age=300"
    return response


def webhook_guard(view):
    """Refuse tracking webhooks unless a secret is configured: without one, anymail would
    accept anyone's forged bounces (and so unsubscribe anyone)."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
            return HttpResponseForbidden("Webhooks are off: set ANYMAIL_WEBHOOK_SECRET.")
        return view(request, *args, **kwargs)

    return csrf_exempt(guarded)
