import pytest
from django.test import RequestFactory

from dateline.core.http import client_ip, rate_limit_key


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "203.0.113.5", "10.0.0.1", "10.0.0.1"),  # no proxy of ours: the header is forged
        (1, "203.0.113.5", "10.0.0.1", "203.0.113.5"),
        (1, "forged, 203.0.113.5", "10.0.0.1", "203.0.113.5"),
        (2, "203.0.113.5, 10.0.0.9", "10.0.0.1", "203.0.113.5"),
        (1, "2001:DB8:0:0::1", "10.0.0.1", "2001:db8::1"),
        (1, "::ffff:203.0.113.5", "10.0.0.1", "203.0.113.5"),
        (1, "fe80::1%eth0", "10.0.0.1", "fe80::1"),
        # Malformed: ignored, the answer is our proxy's own address.
        (1, "garbage", "10.0.0.1", "10.0.0.1"),
        (1, "203.0.113.5:4711", "10.0.0.1", "10.0.0.1"),
        (1, "999.0.0.1", "10.0.0.1", "10.0.0.1"),
        (1, "203.0.113.5, garbage", "10.0.0.1", "10.0.0.1"),
        (2, "203.0.113.5", "10.0.0.1", "10.0.0.1"),  # fewer entries than proxies
        (1, " , ,", "10.0.0.1", "10.0.0.1"),
        (1, "1.2.3.4\x0b", "10.0.0.1", "1.2.3.4"),
        (1, "garbage", "not an address", None),
        (0, "", "", None),
    ],
)
def test_client_ip(settings, proxies, forwarded, remote, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_ip(request) == expected
    rate_limit_key(client_ip(request))  # whatever arrived, a rate limit can count it


def test_a_malformed_header_behind_a_proxy_answers_the_page_not_500(client, db, settings):
    """The issue's case: X-Forwarded-For: garbage with TRUSTED_PROXY_COUNT=1."""
    settings.TRUSTED_PROXY_COUNT = 1
    response = client.post(
        "/comments/erase/", {"email": "me@example.com"}, HTTP_X_FORWARDED_FOR="garbage"
    )
    assert response.status_code == 200
    response = client.post(
        "/newsletter/", {"email": "me@example.com", "source": "page"}, HTTP_X_FORWARDED_FOR="x"
    )
    assert response.status_code != 500
