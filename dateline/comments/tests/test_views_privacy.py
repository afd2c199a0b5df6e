"""Every comment-scoped endpoint against every comment state: nothing shows without the token.

A browser that does not hold a comment's edit token may see a comment only where every
reader may (an approved comment of a published article, on its page, its feeds, its own
page and its report and reply pages). For anything else, and for editing and deleting,
the answer is the one a comment id that never existed gets: the same status, the same
bytes, so not even the existence of a held, rejected or spam comment shows.
"""

import itertools
import re

import pytest
from django.test import Client
from django.urls import reverse

from dateline.comments import actions
from dateline.comments.models import Comment

from .test_views import JSON, POST_URL, form

STATES = ["pending", "approved", "rejected", "spam", "deleted"]
BODY = "Secret words about the {state} case, number {n}."
WITHDRAWN_TITLE = "Withdrawn for legal reasons"
_serial = itertools.count(1)

# (name, method, path, data, extra headers); "{id}" is the comment's, "{article}" its article's.
ENDPOINTS = [
    ("detail", "get", "/comments/{id}/", None, {}),
    ("reply", "get", "/comments/{id}/reply/", None, {}),
    ("edit", "get", "/comments/{id}/edit/", None, {}),
    ("edit-json", "get", "/comments/{id}/edit/", None, JSON),
    ("edit-empty", "post", "/comments/{id}/edit/", {}, {}),
    ("edit-empty-json", "post", "/comments/{id}/edit/", {}, JSON),
    ("edit-full", "post", "/comments/{id}/edit/", {"body": "Overwritten by a stranger"}, {}),
    ("edit-full-json", "post", "/comments/{id}/edit/", {"body": "Overwritten"}, JSON),
    ("edit-too-long", "post", "/comments/{id}/edit/", {"body": "x" * 6000}, {}),
    ("delete", "get", "/comments/{id}/delete/", None, {}),
    ("delete-empty", "post", "/comments/{id}/delete/", {}, {}),
    ("delete-empty-json", "post", "/comments/{id}/delete/", {}, JSON),
    ("delete-full", "post", "/comments/{id}/delete/", {"body": "x", "confirm": "1"}, {}),
    ("report", "get", "/comments/{id}/report/", None, {}),
    ("report-empty", "post", "/comments/{id}/report/", {}, {}),
    ("report-empty-json", "post", "/comments/{id}/report/", {}, JSON),
    ("report-full", "post", "/comments/{id}/report/", {"reason": "abuse", "note": "n"}, {}),
    ("mine", "get", "/comments/mine/?article={article}", None, JSON),
    ("mine-all", "get", "/comments/mine/", None, JSON),
    ("article-feed", "get", "/comments/article/{article}/feed/", None, {}),
    ("site-feed", "get", "/comments/feed/", None, {}),
    ("admin-detail", "get", "/admin/comments/{id}/", None, {}),
]
# Shown to every reader when the comment is approved on a published article.
PUBLIC_ENDPOINTS = {
    "detail",
    "reply",
    "report",
    "report-empty",
    "report-empty-json",
    "report-full",
}
# Not about one comment: checked for what they show, and a withdrawn article's feed is gone.
ALWAYS_PUBLIC = {"mine", "mine-all", "article-feed", "site-feed"}


def call(client: Client, endpoint, *, comment_id: int, article_id: int):
    _name, method, path, data, headers = endpoint
    url = path.format(id=comment_id, article=article_id)
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, data, **headers)


def normalised(response, *ids: int) -> tuple[int, str]:
    """Status and content, with the ids asked about blanked in paths (a page may name its
    own, a login redirect the one to come back to)."""
    # Signup forms on every page carry a stamp of when they were handed out.
    content = re.sub(r'name="issued" value="[^"]*"', "", response.content.decode())
    location = response.get("Location", "")
    for value in ids:
        content = content.replace(f"/{value}/", "/ID/")
        location = location.replace(f"%2F{value}%2F", "%2FID%2F").replace(f"/{value}/", "/ID/")
    return response.status_code, location, content


@pytest.fixture
def case(db, article, policy, moderator):
    """Make a comment in `state` from its author's browser, on a live or withdrawn article."""

    def make(state: str, *, live: bool):
        policy(moderation="everyone", trusted_after=99)
        n = next(_serial)
        author = Client()
        body = BODY.format(state=state, n=n)
        response = author.post(
            POST_URL,
            form(article, body=body, name=f"Hidden Author {n}", email=f"hidden{n}@example.com"),
        )
        assert response.status_code == 302, response.content
        comment = Comment.objects.get(body=body)
        if state in ("approved", "rejected", "spam"):
            decision = {"approved": "approve", "rejected": "reject", "spam": "spam"}[state]
            actions.comment_moderate(comment_ids=[comment.pk], decision=decision, by=moderator)
        elif state == "deleted":
            assert author.post(f"/comments/{comment.pk}/delete/").status_code == 302
        if not live:
            article.title = WITHDRAWN_TITLE
            article.save_revision().publish()
            article.unpublish()
        comment.refresh_from_db()
        return author, comment, body

    return make


@pytest.mark.parametrize("live", [True, False], ids=["live", "withdrawn"])
@pytest.mark.parametrize("state", STATES)
def test_without_the_token_nothing_shows_that_every_reader_cannot_see(case, state, live):
    _author, comment, body = case(state, live=live)
    public = state == "approved" and live
    secrets = [comment.author_email or "hidden", "Hidden Author"]
    if not public:
        secrets.append(body.split(",")[0])
    if not live:
        secrets.append(WITHDRAWN_TITLE)
    missing_id = comment.pk + 1000
    for endpoint in ENDPOINTS:
        name = endpoint[0]
        stranger = Client()
        response = call(stranger, endpoint, comment_id=comment.pk, article_id=comment.article_id)
        content = response.content.decode()
        assert response.status_code != 500, name
        shown = [s for s in secrets if s in content]
        if public and name in PUBLIC_ENDPOINTS | {"article-feed", "site-feed"}:
            shown = [s for s in shown if s != "Hidden Author"]
        assert not shown, f"{name} without the token shows {shown}"
        if public and name in PUBLIC_ENDPOINTS | ALWAYS_PUBLIC:
            continue
        if name in ALWAYS_PUBLIC:
            if name == "article-feed" and not live:
                reference = call(Client(), endpoint, comment_id=missing_id, article_id=missing_id)
                assert normalised(response, comment.article_id) == normalised(
                    reference, missing_id
                ), name
            continue
        reference = call(Client(), endpoint, comment_id=missing_id, article_id=comment.article_id)
        assert normalised(response, comment.pk) == normalised(reference, missing_id), (
            f"{name} answers a {state} comment on a {'live' if live else 'withdrawn'} article "
            f"unlike a comment that does not exist"
        )
    comment_after = Comment.objects.get(pk=comment.pk)
    assert (comment_after.status, comment_after.body) == (comment.status, comment.body)


@pytest.mark.parametrize("live", [True, False], ids=["live", "withdrawn"])
@pytest.mark.parametrize("state", STATES)
def test_with_the_token_the_author_sees_their_own_comment_while_it_can_be_shown(case, state, live):
    author, comment, body = case(state, live=live)
    missing_id = comment.pk + 1000
    edit = author.get(f"/comments/{comment.pk}/edit/")
    delete = author.get(f"/comments/{comment.pk}/delete/")
    mine = author.get(reverse("comments:mine"), **JSON).json()["comments"]
    if not live or state == "deleted":
        # A withdrawn article's comments, and a deleted comment, are gone for their author too.
        for endpoint in ENDPOINTS:
            name = endpoint[0]
            if name in ALWAYS_PUBLIC:
                continue
            response = call(author, endpoint, comment_id=comment.pk, article_id=comment.article_id)
            reference = call(author, endpoint, comment_id=missing_id, article_id=comment.article_id)
            assert normalised(response, comment.pk) == normalised(reference, missing_id), name
        assert mine == []
        return
    if state in ("pending", "approved"):
        assert edit.status_code == 200 and body in edit.content.decode()
        assert delete.status_code == 200 and body in delete.content.decode()
        assert [c["id"] for c in mine] == [comment.pk]
        empty = author.post(f"/comments/{comment.pk}/edit/", {})
        assert empty.status_code == 400
        assert "Write something before posting." in empty.content.decode()
    else:
        # Rejected or spam: the author is told it can no longer be changed, nothing more.
        assert edit.status_code == 403 and body not in edit.content.decode()
        assert delete.status_code == 403 and body not in delete.content.decode()
        assert mine == []
        empty = author.post(f"/comments/{comment.pk}/edit/", {})
        assert empty.status_code in (400, 403) and body not in empty.content.decode()
    assert Comment.objects.get(pk=comment.pk).body == comment.body


def test_a_stranger_cannot_change_or_delete_a_comment(case):
    _author, comment, body = case("approved", live=True)
    stranger = Client()
    assert stranger.post(f"/comments/{comment.pk}/edit/", {"body": "hijack"}).status_code == 404
    assert stranger.post(f"/comments/{comment.pk}/delete/").status_code == 404
    comment.refresh_from_db()
    assert (comment.status, comment.body) == ("approved", body)


@pytest.mark.parametrize("state", STATES)
def test_the_links_from_emails_show_no_comment_with_or_without_their_token(case, state):
    """Reply-notification and erasure links are about an address, never about a comment."""
    from dateline.comments import tokens

    _author, comment, body = case(state, live=False)
    address = comment.author_email
    for purpose, path in [
        (tokens.CONFIRM_NOTIFICATIONS, "/comments/notify/confirm/{token}/"),
        (tokens.UNSUBSCRIBE, "/comments/notify/unsubscribe/{token}/"),
        (tokens.ERASE, "/comments/erase/{token}/"),
    ]:
        signed = tokens.make(purpose, address)
        other_purpose = tokens.make(
            tokens.ERASE if purpose != tokens.ERASE else tokens.UNSUBSCRIBE, address
        )
        answers = {}
        for label, token in [("signed", signed), ("forged", "forged"), ("other", other_purpose)]:
            response = Client().get(path.format(token=token))
            content = normalised(response)[2]
            assert body.split(",")[0] not in content and "Hidden Author" not in content
            assert WITHDRAWN_TITLE not in content
            answers[label] = (response.status_code, content)
        for data in [{}, {"remove_text": "on"}]:
            forged_post = Client().post(path.format(token="forged"), data)
            assert forged_post.status_code == 400 and address not in forged_post.content.decode()
        assert answers["signed"][0] == 200 and address in answers["signed"][1]
        assert answers["forged"] == answers["other"] and answers["forged"][0] == 400
        assert address not in answers["forged"][1]
    assert Comment.objects.get(pk=comment.pk).author_email == address  # GETs change nothing
