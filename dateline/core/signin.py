"""Signing in to the admin: the throttle (django-axes) and password resets.

Failed sign-ins are counted per client address and per account (AXES_LOCKOUT_PARAMETERS);
either reaching SIGNIN_FAILURE_LIMIT refuses every further attempt, right password or not,
until SIGNIN_COOLOFF_MINUTES after the last counted failure. The locked-out editor gets a
page in the admin's look saying when to try again (429 with Retry-After); an operator lifts
a lockout with `manage.py axes_reset_username NAME` or `axes_reset_ip ADDRESS`. A successful
sign-in forgets that account's failures from that address only, so an attacker who holds one
account cannot wipe the count of their guesses at others.

The client address is the one every rate limit uses (`dateline.core.http.client_ip`, behind
TRUSTED_PROXY_COUNT proxies); an IPv6 client counts as its /64.

A password reset does the same work and gives the same answer whatever the address: the
view checks the caps and queues one task; only the task looks the address up, and it sends
only if an account has it.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from wagtail.admin.forms.auth import PasswordResetForm as WagtailPasswordResetForm
from wagtail.admin.views import account

from . import actions
from .http import client_ip
from .selectors import signin_locked_until


def signin_client_ip(request: HttpRequest) -> str | None:
    """The address sign-in failures are counted under (AXES_CLIENT_IP_CALLABLE).

    An IPv6 address stands for its /64, written as that network's first address (axes keeps
    addresses, not networks): a device may take any address of its /64 whenever it likes.
    """
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        # A forwarded header that is not an address counts as the proxy's own address.
        return request.META.get("REMOTE_ADDR") or None
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """What a locked-out editor sees (AXES_LOCKOUT_CALLABLE): when to try again."""
    until = signin_locked_until(request=request, credentials=credentials)
    if until is None:
        return render(request, "core/signin_locked.html", {"until": None}, status=403)
    seconds = max(int((until - timezone.now()).total_seconds()), 1)
    context = {
        "until": timezone.localtime(until),
        "minutes": (seconds + 59) // 60,
        "time_zone": settings.TIME_ZONE,
    }
    response = render(request, "core/signin_locked.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


class PasswordResetForm(WagtailPasswordResetForm):
    """The admin's reset form (WAGTAILADMIN_USER_PASSWORD_RESET_FORM): saving queues the
    reset; the task, not the request, looks the address up and sends the link.

    `save` raises `actions.PasswordResetRefused` when a cap is reached.
    """

    def save(self, *, request: HttpRequest | None = None, **kwargs) -> None:
        actions.password_reset_request(
            email=self.cleaned_data["email"],
            ip=signin_client_ip(request) if request is not None else None,
        )


class PasswordResetView(account.PasswordResetView):
    """Wagtail's reset page, with a clear answer when a cap is reached."""

    def form_valid(self, form):
        try:
            form.save(request=self.request)
        except actions.PasswordResetRefused as refusal:
            form.add_error(None, refusal.message)
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(refusal.retry_after)
            return response
        return HttpResponseRedirect(self.get_success_url())
