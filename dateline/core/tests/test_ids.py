"""Ids no key can hold, in every URL and query string of every app: a 404, never a 500.

SQLite raises OverflowError on a number beyond 64 bits and PostgreSQL refuses one out of
its column's range; both must stop at the URL converter or the form field.
"""

import pytest
from django.test import Client

from dateline.core.ids import MAX_ID, IdConverter, parse_id

TOO_BIG = ["99999999999999999999", str(2**63), "1" + "0" * 40]
# Paths with an id in them, as (method, path); every app's and the admin's.
ID_PATHS = [
    ("get", "/comments/{id}/"),
    ("get", "/comments/{id}/reply/"),
    ("get", "/comments/{id}/edit/"),
    ("post", "/comments/{id}/edit/"),
    ("get", "/comments/{id}/delete/"),
    ("post", "/comments/{id}/delete/"),
    ("get", "/comments/{id}/report/"),
    ("post", "/comments/{id}/report/"),
    ("get", "/comments/article/{id}/feed/"),
    ("get", "/newsletter/issues/{id}/"),
    ("get", "/admin/comments/{id}/"),
    ("post", "/admin/comments/bans/{id}/lift/"),
    ("post", "/admin/comments/thread/{id}/"),
    ("get", "/admin/outbox/{id}/"),
    ("get", "/admin/outbox/{id}/html/"),
    ("post", "/admin/mailing-list/suppression/{id}/remove/"),
    ("get", "/admin/mailing-list/sends/{id}/"),
    ("get", "/admin/mailing-list/sends/{id}/progress.json"),
    ("get", "/admin/mailing-list/sends/{id}/preview.html"),
    ("post", "/admin/mailing-list/sends/{id}/pause/"),
]
# Query strings and form fields that name an id, answered with the page (the filter refused).
ID_PARAMS = [
    ("get", "/comments/mine/?article={id}", None, 200),
    ("get", "/admin/comments/?article={id}", None, 200),
    ("get", "/admin/comments/?section={id}", None, 200),
    ("get", "/admin/comments/?status=approved&article={id}&section={id}", None, 200),
    ("post", "/admin/comments/bulk/", {"comment": "{id}", "decision": "approve"}, 302),
    ("get", "/admin/mailing-list/?newsletter={id}", None, 200),
]


@pytest.fixture
def staff(admin_user):
    browser = Client()
    browser.force_login(admin_user)
    return browser


def test_parse_id_takes_only_what_a_key_can_hold():
    assert parse_id("42") == 42 and parse_id(str(MAX_ID)) == MAX_ID
    for bad in [str(MAX_ID + 1), "0", "-1", "1e9", "٣", " ", "", "4 2", *TOO_BIG]:
        assert parse_id(bad) is None, bad
    with pytest.raises(ValueError):
        IdConverter().to_python(TOO_BIG[0])


@pytest.mark.parametrize("number", TOO_BIG)
@pytest.mark.parametrize(("method", "path"), ID_PATHS)
def test_an_id_too_big_for_a_key_is_not_found(db, staff, method, path, number):
    # A path without its slash may first be redirected to the one with it.
    response = getattr(staff, method)(path.format(id=number), follow=True)
    assert response.status_code == 404


@pytest.mark.parametrize("number", TOO_BIG)
@pytest.mark.parametrize(("method", "path", "data", "status"), ID_PARAMS)
def test_an_id_too_big_in_a_query_or_form_is_refused_quietly(
    db, staff, method, path, data, status, number
):
    if data is not None:
        data = {key: value.format(id=number) for key, value in data.items()}
        response = staff.post(path, data, HTTP_ACCEPT="application/json")
    else:
        response = getattr(staff, method)(path.format(id=number), HTTP_ACCEPT="text/html")
    assert response.status_code == status


def test_the_readers_comment_feed_of_an_article_that_does_not_exist(client, db):
    """The case the issue names, as a reader without a session meets it."""
    response = Client(raise_request_exception=False).get(
        "/comments/article/99999999999999999999/feed/"
    )
    assert response.status_code == 404
