"""Everywhere the mailing list takes a typed address, the unusable ones are refused.

Control characters (a vertical tab in a quoted local part would reach the To: header as a
line break) and IP-literal domains are refused by dateline.core.addresses, the one check
the comment forms use too, with the reason shown where the address was typed.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from dateline.newsletter.models import Subscriber, SuppressedAddress

from .test_views import confirmed, manage_path, sign_up

UNUSABLE = [
    ('"a\x0bb"@example.com', "U+000B"),
    ('"a\x0bBcc: x@evil.example"@example.com', "U+000B"),
    ("a\x0bb@example.com", "U+000B"),
    ("me@[192.0.2.1]", "bracketed IP address"),
    ("me@[IPv6:2001:db8::1]", "bracketed IP address"),
    ("me@exa\u2028mple.com", "LINE SEPARATOR"),
]


def shown(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize(("email", "why"), UNUSABLE)
def test_signup_refuses_them(client, newsletters, stamp, email, why):
    response = sign_up(client, stamp, email)
    assert response.status_code == 400
    assert "not an email address we can use" in shown(response) and why in shown(response)
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize(("email", "why"), UNUSABLE)
def test_an_address_change_refuses_them(client, newsletters, email, why, mailoutbox):
    subscriber = confirmed("old@example.com")
    response = client.post(manage_path(subscriber), {"new_email": email, "action": "change_email"})
    assert response.status_code == 400 and why in shown(response)
    subscriber.refresh_from_db()
    assert subscriber.email == "old@example.com"


@pytest.fixture
def desk(client, newsletters):
    user = get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-12345!")
    client.force_login(user)
    return client


@pytest.mark.parametrize(("email", "why"), UNUSABLE)
def test_a_csv_import_refuses_them_and_imports_nothing(desk, email, why):
    upload = SimpleUploadedFile(
        "list.csv", f"good@example.com\n{email}\n".encode(), content_type="text/csv"
    )
    response = desk.post("/admin/mailing-list/import/", {"file": upload})
    assert response.status_code == 400
    assert "Line 2" in shown(response) and why in shown(response)
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize(("email", "why"), UNUSABLE[:4])
def test_the_suppression_form_refuses_them(desk, email, why):
    response = desk.post("/admin/mailing-list/suppression/", {"email": email, "note": "x"})
    assert response.status_code in (200, 400) and why in shown(response)
    assert not SuppressedAddress.objects.exists()
