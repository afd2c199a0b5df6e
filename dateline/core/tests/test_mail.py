import pytest
from django.core.mail import EmailMultiAlternatives, get_connection

from dateline.core.models import OutboxMessage

pytestmark = pytest.mark.django_db


def send_to_outbox(**kwargs):
    connection = get_connection("dateline.core.mail.OutboxEmailBackend")
    message = EmailMultiAlternatives(
        subject=kwargs.get("subject", "Confirm your address"),
        body="Plain text part",
        from_email="newsroom@example.org",
        to=["reader@example.org"],
        connection=connection,
    )
    message.attach_alternative("<p>HTML <script>alert(1)</script> part</p>", "text/html")
    return message.send()


def test_outbox_backend_keeps_the_whole_message():
    assert send_to_outbox() == 1
    message = OutboxMessage.objects.get()
    assert message.recipients == "reader@example.org"
    assert message.text_body == "Plain text part"
    assert "HTML" in message.html_body
    assert "Subject: Confirm your address" in message.raw


def test_outbox_is_readable_by_a_superuser_in_the_admin(admin_client):
    send_to_outbox(subject="Welcome to the list")
    message = OutboxMessage.objects.get()
    assert "Welcome to the list" in admin_client.get("/admin/outbox/").content.decode()
    detail = admin_client.get(f"/admin/outbox/{message.pk}/").content.decode()
    assert "Plain text part" in detail
    html = admin_client.get(f"/admin/outbox/{message.pk}/html/")
    assert "sandbox" in html["Content-Security-Policy"]


def test_outbox_is_closed_to_editors_who_are_not_superusers(client, django_user_model):
    from django.contrib.auth.models import Permission

    send_to_outbox(subject="A reader's confirmation")
    editor = django_user_model.objects.create_user("sub-editor", password="pw")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200
    message = OutboxMessage.objects.get()
    for url in (
        "/admin/outbox/",
        f"/admin/outbox/{message.pk}/",
        f"/admin/outbox/{message.pk}/html/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "A reader" not in response.content.decode()


def test_outbox_is_closed_to_anonymous_visitors(client):
    send_to_outbox()
    response = client.get("/admin/outbox/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
