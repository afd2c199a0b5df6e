"""The sends in the admin (compose, preview, test, start, steer, progress) and on the
command line (`send_newsletter`)."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command

from dateline.newsletter import actions
from dateline.newsletter.models import Campaign

from .conftest import compose, subscribe

SENDS = "/admin/mailing-list/sends/"


@pytest.fixture
def editor(client, newsletters):
    user = get_user_model().objects.create_superuser("ed", "ed@example.com", "pw-12345!")
    client.force_login(user)
    return client


def test_an_editor_composes_an_issue_from_articles(editor, newsletters, article):
    assert editor.get("/admin/newsletter_issues/new/").status_code == 200
    response = editor.post(
        "/admin/newsletter_issues/new/",
        {
            "newsletter": newsletters[0].pk,
            "subject": "The week",
            "intro": "Hello.",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "1",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-article": article.pk,
            "items-0-ORDER": "1",
            "items-0-id": "",
            "items-0-DELETE": "",
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert [item.article for item in campaign.items.all()] == [article]
    assert campaign.items.get().headline == article.title


def test_the_send_page_previews_as_html_and_text_and_names_problems(editor, newsletters, article):
    campaign = compose(newsletters[0], article)
    # The send page is now part of the issue's one page (it redirects there).
    page = editor.get(f"{SENDS}{campaign.pk}/", follow=True).content.decode()
    assert "Send now" in page and "Send a test" in page and "cannot be sent" not in page

    html = editor.get(f"{SENDS}{campaign.pk}/preview.html").content.decode()
    assert "US Gains Support From World Powers vs ISIS" in html and 'style="' in html
    text = editor.get(f"{SENDS}{campaign.pk}/preview.txt")
    assert text["Content-Type"].startswith("text/plain")
    assert "US Gains Support" in text.content.decode() and "<" not in text.content.decode()

    article.unpublish()
    page = editor.get(f"{SENDS}{campaign.pk}/", follow=True).content.decode()
    assert "This cannot be sent yet" in page and "is not published" in page
    assert editor.get(f"{SENDS}{campaign.pk}/preview.html").status_code == 400


def test_a_test_goes_to_the_address_given(editor, newsletters, article, smtp_server):
    campaign = compose(newsletters[0], article)
    response = editor.post(f"{SENDS}{campaign.pk}/test/", {"to": "desk@example.com"}, follow=True)
    assert "A test went to desk@example.com" in response.content.decode()
    assert smtp_server.recipients() == ["desk@example.com"]


def test_send_pause_resume_and_progress_from_the_send_page(
    editor, newsletters, article, smtp_server, run_worker, django_capture_on_commit_callbacks
):
    for i in range(3):
        subscribe(f"reader{i}@example.com", newsletters[0])
    campaign = compose(newsletters[0], article)

    with django_capture_on_commit_callbacks(execute=True):  # confirmed: see below for asking
        page = editor.post(
            f"{SENDS}{campaign.pk}/start/", {"confirm": "yes"}, follow=True
        ).content.decode()
    assert "Sending has started." in page and "Pause" in page
    editor.post(f"{SENDS}{campaign.pk}/pause/")
    run_worker()
    paused = editor.get(f"{SENDS}{campaign.pk}/progress.json").json()
    assert (paused["status"], paused["total"], paused["sent"], paused["waiting"]) == (
        "paused",
        3,
        0,
        3,
    )
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(f"{SENDS}{campaign.pk}/resume/")
    run_worker()

    progress = editor.get(f"{SENDS}{campaign.pk}/progress.json").json()
    assert (progress["status"], progress["sent"], progress["percent"]) == ("sent", 3, 100)
    assert "Delivered" in editor.get(f"{SENDS}{campaign.pk}/", follow=True).content.decode()


def test_a_started_send_cannot_be_edited_or_started_again(editor, newsletters, article):
    subscribe("reader@example.com", newsletters[0])
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))
    response = editor.post(f"{SENDS}{campaign.pk}/start/", follow=True)
    assert "This send is sending already." in response.content.decode()
    response = editor.post(
        f"/admin/newsletter_issues/edit/{campaign.pk}/",
        {
            "newsletter": newsletters[0].pk,
            "subject": "Changed",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "1",
            "items-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "what went out cannot be changed" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.subject == "This week in the Middle East"


def test_admin_users_without_the_send_permission_cannot_send(client, newsletters, article):
    staff = get_user_model().objects.create_user(
        "writer", "w@example.com", "pw-12345!", is_staff=True
    )
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    subscribe("reader@example.com", newsletters[0])
    campaign = compose(newsletters[0], article)
    assert client.get("/admin/").status_code == 200  # in the admin, but not the sends
    for path in ("", "progress.json", "preview.html"):
        assert client.get(f"{SENDS}{campaign.pk}/{path}").status_code in (302, 403)
    response = client.post(f"{SENDS}{campaign.pk}/start/")
    assert response.status_code == 302 and not response.url.endswith(f"/{campaign.pk}/")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_a_started_send_cannot_be_deleted(editor, newsletters, article):
    subscribe("reader@example.com", newsletters[0])
    campaign = actions.campaign_start(campaign=compose(newsletters[0], article))
    response = editor.post(f"/admin/newsletter_issues/delete/{campaign.pk}/", follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    draft = compose(newsletters[0], article)
    editor.post(f"/admin/newsletter_issues/delete/{draft.pk}/")
    assert not Campaign.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_sends_and_draws_progress(newsletters, article, smtp_server):
    for i in range(3):
        subscribe(f"reader{i}@example.com", newsletters[0])
    campaign = compose(newsletters[0], article)
    out, err = StringIO(), StringIO()

    call_command("send_newsletter", str(campaign.pk), "--work", stdout=out, stderr=err)

    assert sorted(smtp_server.recipients()) == [f"reader{i}@example.com" for i in range(3)]
    assert "Sent: [##############################] 100% 3/3 sent 3" in out.getvalue()
    assert "%" in err.getvalue()
    with pytest.raises(CommandError, match="Only a send in progress can be paused"):
        call_command("send_newsletter", str(campaign.pk), "--pause", stdout=out)
    with pytest.raises(CommandError, match="No send with id"):
        call_command("send_newsletter", "999999", stdout=out)
