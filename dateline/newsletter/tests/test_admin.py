import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from dateline.newsletter import actions
from dateline.newsletter.models import ConsentRecord, Subscriber, SuppressedAddress

DESK = "/admin/mailing-list/"


@pytest.fixture
def desk(client, newsletters):
    user = get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-12345!")
    client.force_login(user)
    return client


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("list.csv", text.encode(), content_type="text/csv")


def test_list_filters_and_counts(desk):
    actions.subscriber_signup(email="one@example.com", source="page")
    actions.subscriber_signup(email="two@example.com", source="page")
    one = Subscriber.objects.get(email="one@example.com")
    actions.subscriber_confirm(subscriber_id=one.pk, email=one.email)
    page = desk.get(DESK).content.decode()
    assert "Daily digest: 1" in page and "two@example.com" in page
    filtered = desk.get(DESK, {"status": "pending"}).content.decode()
    assert "two@example.com" in filtered and "one@example.com" not in filtered
    assert "one@example.com" in desk.get(DESK, {"q": "ONE@"}).content.decode()


def test_search_finds_an_address_by_any_part_in_any_case(desk):
    actions.subscriber_signup(email="Ünal.Öztürk@example.com", source="page")
    actions.subscriber_signup(email="someone@example.org", source="page")
    for query in ("ünal", "ÖZTÜRK@EXAMPLE", "example.com"):
        page = desk.get(DESK, {"q": query}).content.decode()
        assert "Ünal.Öztürk@example.com" in page and "someone@" not in page, query


def test_export_streams_csv(desk):
    actions.subscriber_signup(email="one@example.com", source="page")
    response = desk.get(DESK + "export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["email", "status", "created_at", "confirmed_at", "newsletters"]
    assert rows[1][:2] == ["one@example.com", "pending"] and rows[1][4] == "daily"


def test_import_without_consent_source_leaves_addresses_pending(desk):
    response = desk.post(
        DESK + "import/", {"file": upload("email\na@example.com\nb@example.com\n")}
    )
    assert response.status_code == 302
    assert set(Subscriber.objects.values_list("status", flat=True)) == {"pending"}


def test_import_with_consent_source_confirms_and_records_it(desk):
    desk.post(
        DESK + "import/",
        {"file": upload("a@example.com\n"), "consent_source": "Paper form, book fair 2026"},
    )
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "confirmed"
    assert "book fair" in ConsentRecord.objects.get(subscriber=subscriber).copy


def test_a_bad_line_imports_nothing(desk):
    response = desk.post(DESK + "import/", {"file": upload("a@example.com\nnot-an-address\n")})
    assert response.status_code == 400 and "Line 2" in response.content.decode()
    assert not Subscriber.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_suppression_unsubscribes_and_blocks_signups(desk, smtp_server, run_worker):
    actions.subscriber_signup(email="bounce@example.com", source="page")
    subscriber = Subscriber.objects.get()
    actions.subscriber_confirm(subscriber_id=subscriber.pk, email=subscriber.email)
    desk.post(DESK + "suppression/", {"email": "Bounce@example.com", "note": "mailbox gone"})
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"
    run_worker()
    assert smtp_server.messages == []  # even the confirmation queued before it is not sent
    actions.subscriber_signup(email="bounce@example.com", source="page")
    run_worker()
    assert smtp_server.messages == []
    desk.post(f"{DESK}suppression/{SuppressedAddress.objects.get().pk}/remove/")
    assert not SuppressedAddress.objects.exists()


def test_export_defuses_spreadsheet_formulas(desk):
    actions.subscriber_signup(email="=cmd@example.com", source="page")
    response = desk.get(DESK + "export.csv")
    assert "'=cmd@example.com" in b"".join(response.streaming_content).decode()
