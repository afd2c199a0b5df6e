"""Request body limits under any server (RequestBodyLimitMiddleware): refused from the
Content-Length, before anything reads the body. The test client's payload raises if read
past its end, so a body announced larger than it is shows whether anyone read it."""

import json
import re

import pytest
from django.test import override_settings

from dateline.testing.nginx import TEMPLATE

MB = 1024 * 1024


def announce(client, path: str, length: int, **headers):
    return client.generic(
        "POST",
        path,
        data=b"body=short",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(length),
        **headers,
    )


@pytest.mark.django_db
def test_a_body_announced_over_the_public_limit_is_refused_unread(client):
    response = announce(client, "/comments/post/", 10 * MB)

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == (
        "This request is too large: at most 64 KB may be sent here.\n"
    )


@pytest.mark.django_db
def test_scripts_are_told_in_json(client):
    response = announce(client, "/newsletter/", 65 * 1024, HTTP_ACCEPT="application/json")

    assert response.status_code == 413
    assert json.loads(response.content) == {
        "message": "This request is too large: at most 64 KB may be sent here."
    }


@pytest.mark.django_db
@override_settings(REQUEST_BODY_MAX_BYTES=1000, REQUEST_BODY_MAX_BYTES_BY_PATH={"/admin/": 2 * MB})
def test_each_path_has_its_limit(client):
    assert announce(client, "/comments/post/", 1001).status_code == 413
    assert b"at most 1000 bytes" in announce(client, "/comments/post/", 1001).content
    # Within its limit a body is read as usual (here: shorter than announced, so the read
    # fails inside Django, not here).
    with pytest.raises(AssertionError, match="Cannot read more than the available bytes"):
        announce(client, "/admin/login/", MB)
    assert b"at most 2 MB" in announce(client, "/admin/login/", 2 * MB + 1).content


@pytest.mark.django_db
def test_a_malformed_content_length_is_a_bad_request(client):
    response = client.generic("POST", "/comments/post/", data=b"x", CONTENT_LENGTH="-5")

    assert (response.status_code, response.content) == (400, b"Malformed Content-Length.\n")


def test_the_shipped_nginx_takes_the_admin_uploads_and_times_out_stalled_bodies(settings):
    """deploy/nginx.conf.template reads bodies whole (the app servers behind it run WSGI and
    would give a thread to a slow body): as large as the admin may send, no stall for ever."""
    template = TEMPLATE.read_text()
    size = re.search(r"^\s*client_max_body_size (\d+)m;", template, re.MULTILINE)
    assert size and int(size[1]) * MB == settings.REQUEST_BODY_MAX_BYTES_BY_PATH["/admin/"]
    assert re.search(r"^\s*client_body_timeout \d+s;", template, re.MULTILINE)
    assert "proxy_request_buffering off" not in template
