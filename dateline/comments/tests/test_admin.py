import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from dateline.comments.models import Comment, CommenterBan, CommentThread, ModerationEvent
from dateline.newsroom.tests.factories import make_article

QUEUE = "/admin/comments/"
EVIL = '<script>alert("pwned")</script>'


@pytest.fixture
def desk(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def held(article, policy, post):
    policy(moderation="everyone")
    return [
        post(article, email="first@example.com", ip="192.0.2.10", body="First held").comment,
        post(article, email="second@example.com", ip="192.0.2.20", body="Second held").comment,
    ]


def test_only_moderators_reach_the_desk(client, db, held):
    assert client.get(QUEUE).status_code == 302  # to the login page
    editor = get_user_model().objects.create_user("writer", password="pw-12345!")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    # Wagtail answers a refused admin view with a redirect to the dashboard and a message.
    assert client.get(QUEUE)["Location"] == "/admin/"
    client.post(QUEUE + "bulk/", {"comment": held[0].pk, "decision": "approve"})
    assert Comment.objects.get(pk=held[0].pk).status == "pending"
    editor.user_permissions.add(
        Permission.objects.get(codename="change_comment", content_type__app_label="comments")
    )
    assert client.get(QUEUE).status_code == 200


def test_queue_filters_by_email_ip_article_and_section(desk, held, section, post):
    other_section_article = make_article(section, title="Another story")
    post(other_section_article, body="Elsewhere held")
    assert b"First held" in desk.get(QUEUE).content and b"Elsewhere held" in desk.get(QUEUE).content
    by_email = desk.get(QUEUE, {"email": "FIRST@example.com"}).content
    assert b"First held" in by_email and b"Second held" not in by_email
    by_ip = desk.get(QUEUE, {"ip": "192.0.2.20"}).content
    assert b"Second held" in by_ip and b"First held" not in by_ip
    by_article = desk.get(QUEUE, {"article": other_section_article.pk}).content
    assert b"Elsewhere held" in by_article and b"First held" not in by_article
    assert b"First held" in desk.get(QUEUE, {"section": section.pk}).content


def test_bulk_approve_then_spam_is_logged(desk, held, moderator, article):
    ids = [c.pk for c in held]
    response = desk.post(QUEUE + "bulk/", {"comment": ids, "decision": "approve", "next": QUEUE})
    assert response.status_code == 302
    assert set(Comment.objects.values_list("status", flat=True)) == {"approved"}
    assert CommentThread.objects.get(pk=article.pk).approved_count == 2
    desk.post(QUEUE + "bulk/", {"comment": ids[:1], "decision": "spam"})
    assert Comment.objects.get(pk=ids[0]).status == "spam"
    log = desk.get(QUEUE + "log/").content.decode()
    assert log.count("Approved") >= 2 and "Marked as spam" in log and "moderator" in log
    assert ModerationEvent.objects.filter(actor=moderator).count() == 3


def test_comment_in_context_escapes_everything(desk, article, policy, post):
    policy(moderation="everyone")
    comment = post(article, name=EVIL[:80], body=f"{EVIL} hello").comment
    for url in (QUEUE, f"{QUEUE}{comment.pk}/"):
        html = desk.get(url).content.decode()
        assert EVIL not in html and "&lt;script&gt;" in html
    detail = desk.get(f"{QUEUE}{comment.pk}/").content.decode()
    assert article.title in detail and "This commenter" in detail


def test_ban_from_the_bans_page_and_lift_it(desk, held):
    comment = held[0]
    response = desk.post(
        QUEUE + "bans/",
        {
            "target": "email",
            "email": comment.author_email,
            "duration": "7",
            "reason": "Abuse",
            "next": "/",
        },
    )
    assert response.status_code == 302
    ban = CommenterBan.objects.get()
    assert ban.email == "first@example.com" and ban.until is not None and ban.ip_network == ""
    comment.refresh_from_db()
    assert comment.status == "rejected"
    refused = desk.post(QUEUE + "bans/", {"target": "email", "duration": "forever"})
    assert refused.status_code == 400
    assert field_errors(refused, "email") == ["Enter the email address to ban."]
    assert field_errors(refused, "reason") == ["Give a reason for the ban."]
    desk.post(f"{QUEUE}bans/{ban.pk}/lift/")
    ban.refresh_from_db()
    assert ban.lifted_at is not None


def field_errors(response, name: str) -> list[str]:
    """The errors the page shows inside the wrapper of the field `name`."""
    html = response.content.decode()
    start = html.index(f'for="id_{name}')
    wrapper = html[start : html.index("data-field-input", start)]
    return re.findall(r'<p class="error-message">\s*(.*?)\s*</p>', wrapper, re.S)


@pytest.fixture
def shared_ip(article, policy, post):
    """A spammer and an innocent reader behind one IP address, and the spammer's next one."""
    policy(moderation="everyone")
    spam = post(article, email="spammer@example.com", ip="192.0.2.66", body="Buy now")
    innocent = post(article, email="reader@example.com", ip="192.0.2.66", body="Good piece")
    again = post(article, email="spammer@example.com", ip="198.51.100.9", body="Buy again")
    return spam.comment, innocent.comment, again.comment


def test_a_permanent_ban_from_a_comment_bans_its_address_only(desk, shared_ip):
    """ "For good" used to fail as a required field left empty, shown under the IP field;
    and the form named the IP too, banning every reader behind it."""
    spam, innocent, again = shared_ip
    detail = desk.get(f"{QUEUE}{spam.pk}/").content.decode()
    assert re.search(r'value="email"[^>]* checked', detail) and 'value="forever"' in detail
    response = desk.post(
        f"{QUEUE}{spam.pk}/ban/",
        {
            "target": "email",
            "email": spam.author_email,
            "ip": spam.ip_address,
            "network": "192.0.2.0/24",
            "duration": "forever",
            "reason": "Spam run",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}{spam.pk}/"
    ban = CommenterBan.objects.get()
    assert (ban.email, ban.ip_address, ban.ip_network, ban.until) == (
        "spammer@example.com",
        None,
        "",
        None,
    )
    assert Comment.objects.get(pk=again.pk).status == "rejected"
    assert Comment.objects.get(pk=innocent.pk).status == "pending"
    page = desk.get(f"{QUEUE}{spam.pk}/").content.decode()
    assert "Banned" in page and "for good" in page and "Spam run" in page


def test_a_temporary_ban_on_an_ipv6_address_covers_its_64(desk, article, policy, post):
    policy(moderation="everyone")
    comment = post(article, email="a@example.com", ip="2001:db8:1:2::5").comment
    neighbour = post(article, email="b@example.com", ip="2001:db8:1:2:ffff::9").comment
    response = desk.post(
        f"{QUEUE}{comment.pk}/ban/",
        {"target": "ip", "ip": "2001:db8:1:2::5", "duration": "30", "reason": "Flood"},
    )
    assert response.status_code == 302
    ban = CommenterBan.objects.get()
    assert ban.email == "" and ban.ip_network == "2001:db8:1:2::/64"
    assert timedelta(days=29) < ban.until - timezone.now() <= timedelta(days=30)
    assert Comment.objects.get(pk=neighbour.pk).status == "rejected"


def test_a_ban_on_a_network_prefix(desk, shared_ip):
    spam, innocent, _ = shared_ip
    desk.post(
        f"{QUEUE}{spam.pk}/ban/",
        {"target": "network", "network": "192.0.2.0/24", "duration": "1", "reason": "Botnet"},
    )
    assert CommenterBan.objects.get().ip_network == "192.0.2.0/24"
    assert Comment.objects.get(pk=innocent.pk).status == "rejected"


def test_a_refused_ban_shows_the_comment_again_errors_on_their_fields(desk, shared_ip):
    spam, _, _ = shared_ip
    typed = {
        "target": "network",
        "email": spam.author_email,
        "network": "10.0.0.0/8",
        "duration": "forever",
        "reason": "A reason worth keeping",
    }
    response = desk.post(f"{QUEUE}{spam.pk}/ban/", typed)
    assert response.status_code == 400 and not CommenterBan.objects.exists()
    assert field_errors(response, "network") == ["A /8 is too wide to ban: at most /16 for IPv4."]
    assert field_errors(response, "ip") == [] and field_errors(response, "duration") == []
    html = response.content.decode()
    assert "A reason worth keeping" in html and "Buy now" in html
    assert "Nobody was banned: correct the ban form." in html
    assert re.search(r'value="network"[^>]* checked', html) and 'value="forever" selected' in html
    bad_ip = desk.post(f"{QUEUE}{spam.pk}/ban/", {**typed, "target": "ip", "ip": "1.2.3.0/24"})
    assert field_errors(bad_ip, "ip") == ["Enter one address here; a prefix goes under Network."]


def test_a_commenters_history_is_by_address_unless_asked(desk, shared_ip, article, post):
    spam, _, _ = shared_ip
    neighbour = post(article, email="n@example.com", ip="192.0.2.200", body="Next door")
    url = f"{QUEUE}{spam.pk}/"
    by_email = desk.get(url).content.decode()
    assert "Buy again" in by_email and "Good piece" not in by_email
    assert "pending 1" in by_email
    by_ip = desk.get(url, {"history": "ip"}).content.decode()
    assert "Good piece" in by_ip and "Buy again" not in by_ip and "Next door" not in by_ip
    by_network = desk.get(url, {"history": "network"}).content.decode()
    assert "Good piece" in by_network and "Next door" in by_network
    assert "192.0.2.0/24" in by_network and "Buy again" not in by_network
    assert Comment.objects.get(pk=neighbour.comment.pk).ip_block == "192.0.2.0/24"


def test_one_click_moderation_of_a_row(desk, held, moderator):
    first, second = held
    response = desk.post(
        f"{QUEUE}{first.pk}/moderate/",
        {"decision": "approve", "comment": [second.pk], "next": QUEUE},
    )
    assert response.status_code == 302 and response["Location"] == QUEUE
    assert Comment.objects.get(pk=first.pk).status == "approved"
    assert Comment.objects.get(pk=second.pk).status == "pending"  # ticked, not clicked
    page = desk.get(QUEUE).content.decode()
    assert f"Approved: the comment by {first.author_name}." in page
    answer = desk.post(
        f"{QUEUE}{second.pk}/moderate/",
        {"decision": "spam"},
        headers={"Accept": "application/json"},
    )
    assert answer.json() == {
        "message": f"Marked as spam: the comment by {second.author_name}.",
        "status": "Spam",
        "pending": 0,
    }
    assert ModerationEvent.objects.filter(actor=moderator, action="spam").count() == 1
    wrong = desk.post(
        f"{QUEUE}{second.pk}/moderate/", {"decision": "x"}, headers={"Accept": "application/json"}
    )
    assert wrong.status_code == 400 and Comment.objects.get(pk=second.pk).status == "spam"
    assert desk.get(f"{QUEUE}{second.pk}/moderate/").status_code == 405


def test_each_row_has_its_buttons_inside_the_csrf_form(desk, held):
    html = desk.get(QUEUE).content.decode()
    for comment in held:
        action = f'formaction="{QUEUE}{comment.pk}/moderate/"'
        assert html.count(action) == 3
    form = html[html.index("data-moderation-queue") :]
    assert "csrfmiddlewaretoken" in form[: form.index("<table")]
    assert "Approve selected" in html


def test_the_pending_count_badge_and_the_dashboard_panel(
    desk, held, moderator, rf, django_assert_max_num_queries
):
    from dateline.comments.wagtail_hooks import ModerationMenuItem

    dashboard = desk.get("/admin/").content.decode()
    assert '"data-comments-pending": "2"' in dashboard
    assert "2 comments waiting" in dashboard and f'href="{QUEUE}?status=pending"' in dashboard
    assert "comments/admin/desk.css" in dashboard
    request = rf.get("/admin/")
    request.user = moderator
    item = ModerationMenuItem("Comments", QUEUE, permission="comments.change_comment")
    with django_assert_max_num_queries(1):
        attrs = item.render_component(request).attrs
        item.render_component(request)
    assert attrs["data-comments-pending"] == "2"
    assert attrs["aria-label"] == "Comments (2 comments waiting)"
    desk.post(QUEUE + "bulk/", {"comment": [c.pk for c in held], "decision": "approve"})
    assert "No comments waiting" in desk.get("/admin/").content.decode()


def test_filters_by_article_title_and_still_by_id(desk, held, section, post):
    other = make_article(section, title="Ceasefire talks resume")
    post(other, body="About the talks")
    by_title = desk.get(QUEUE, {"article_title": "ceasefire"}).content.decode()
    assert "About the talks" in by_title and "First held" not in by_title
    assert '<option value="Ceasefire talks resume">' in by_title
    assert '<option value="Coalition grows">' in by_title
    by_id = desk.get(QUEUE, {"article": other.pk}).content.decode()
    assert "About the talks" in by_id and "First held" not in by_id
    assert "Comments on “Ceasefire talks resume”" in by_id
    bad = desk.get(QUEUE, {"ip": "not an ip", "article_title": "ceasefire"})
    # A listing, not a submission: the page answers, with the bad filter shown and left out.
    assert bad.status_code == 200 and "About the talks" in bad.content.decode()
    assert field_errors(bad, "ip") == ["Enter an IP address such as 192.0.2.7 or 2001:db8::7."]


def test_search_over_text_names_addresses_and_headlines(desk, held, section, post, moderator):
    other = make_article(section, title="Ceasefire talks resume")
    post(other, name="Samira Haddad", email="samira@example.net", body="Long overdue")
    desk.post(QUEUE + "bulk/", {"comment": [held[0].pk], "decision": "approve"})
    for q in ("overdue", "haddad", "samira@example.net", "CEASEFIRE talks", "long samira"):
        found = desk.get(QUEUE, {"q": q}).content.decode()
        assert "Long overdue" in found and "Second held" not in found, q
    # A search looks in every queue unless a tab is chosen.
    assert "First held" in desk.get(QUEUE, {"q": "first"}).content.decode()
    assert "First held" not in desk.get(QUEUE, {"q": "first", "status": "pending"}).content.decode()
    assert "Nothing here" in desk.get(QUEUE, {"q": "overdue nowhere"}).content.decode()


def test_thread_switch(desk, article):
    desk.post(f"{QUEUE}thread/{article.pk}/", {"state": "closed"})
    assert CommentThread.objects.get(pk=article.pk).state == "closed"
    page = desk.get(QUEUE, {"article": article.pk, "status": "approved"}).content.decode()
    assert 'value="closed" checked' in page


def test_wagtail_admin_pages_for_policies(desk, article, section):
    comment_settings = desk.get("/admin/settings/comments/commentsettings/", follow=True)
    assert comment_settings.status_code == 200 and b"Banned words" in comment_settings.content
    assert desk.get("/admin/section_comment_policies/").status_code == 200
    assert desk.get("/admin/section_comment_policies/new/").status_code == 200
    edit = desk.get(f"/admin/pages/{article.pk}/edit/").content.decode()
    assert f"/admin/comments/?status=approved&amp;article={article.pk}" in edit
