"""Scaled out on one machine: two app servers and two workers on one PostgreSQL and one Redis,
behind the shipped nginx. Publishing, comments, signups and a newsletter send each cross
processes: an action in one, its effect seen through nginx from the others.

It builds a site of its own (dateline.testing.site: its own database and Redis db), so it
runs in the PostgreSQL pass of the suite only.
"""

import dataclasses
import http.client
import json
import re
import time
from collections import Counter
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings

from dateline.testing.nginx import nginx, nginx_conf
from dateline.testing.ports import free_port
from dateline.testing.site import backends, fresh_site, run_python, served, task_workers
from dateline.testing.smtp import smtp_sink

ARTICLE_PATH = "/middle-east-news/us-gains-support-from-world-powers-vs-isis/"
pytestmark = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="the scale-out setup (PostgreSQL and Redis) is tested in the PostgreSQL pass",
)


class Front:
    """A reader at nginx."""

    def __init__(self, port: int, origin: str):
        self.port, self.origin = port, origin

    def request(
        self, method: str, path: str, form: dict | None = None, cookie: str = ""
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Accept": "application/json"} | ({"Cookie": cookie} if cookie else {})
        body = None
        if form is not None:
            body = urlencode(form)
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin}
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            self.cookies = response.headers.get_all("Set-Cookie") or []
            return response.status, response.read()
        finally:
            connection.close()

    def until(self, path: str, text: str, timeout: float = 15) -> float:
        """Seconds until `path` shows `text` through nginx."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if text.encode() in self.request("GET", path)[1]:
                return time.monotonic() - started
            time.sleep(0.05)
        raise AssertionError(f"{path} never showed {text!r}")


def shell(site, code: str) -> str:
    return run_python(site.env, code)


@pytest.fixture
def scaled_out(tmp_path):
    backend = backends()[0][-1]
    assert backend.redis_url, "PostgreSQL and Redis are needed for the scale-out setup"
    with (
        smtp_sink() as sink,
        fresh_site(
            backend,
            EMAIL_URL=sink.url,
            PAGE_CACHE_LOCAL_SECONDS="0",
            TRUSTED_PROXY_COUNT="1",
            COMMENTS_MIN_FILL_SECONDS="0",
            NEWSLETTER_MIN_FILL_SECONDS="0",
        ) as site,
    ):
        other = dataclasses.replace(site, port=free_port())
        port = free_port()
        config = nginx_conf(
            prefix=tmp_path,
            port=port,
            upstreams=[site.port, other.port],
            static_root=site.var_dir / "static",
            media_root=site.var_dir / "media",
            workers=1,
        )
        with (
            task_workers(site, 2, "--interval", "0.2") as workers,
            served(site, workers=1),
            served(other, workers=1),
            nginx(config, prefix=tmp_path),
        ):
            yield site, sink, Front(port, site.env["SITE_URL"]), workers


def test_publishing_comments_signups_and_a_send_work_across_processes(scaled_out):
    site, sink, front, workers = scaled_out

    # Publishing in one process shows on every page that lists it, through nginx.
    assert front.request("GET", ARTICLE_PATH)[0] == 200
    shell(
        site,
        "from dateline.newsroom.models import ArticlePage\n"
        "from dateline.newsroom.actions import article_publish\n"
        "a = ArticlePage.objects.get(slug='us-gains-support-from-world-powers-vs-isis')\n"
        "a.title = 'Coalition Against ISIS Widens'\n"
        "article_publish(article=a)\n",
    )
    for path in (ARTICLE_PATH, "/middle-east-news/", "/"):
        front.until(path, "Coalition Against ISIS Widens")

    # A comment posted through nginx, approved in another process, shows on the article.
    issued = json.loads(front.request("GET", "/forms/stamp/")[1])["issued"]
    article_id = shell(
        site,
        "from dateline.newsroom.models import ArticlePage\n"
        "print(ArticlePage.objects.get(slug='us-gains-support-from-world-powers-vs-isis').pk)",
    ).strip()
    status, body = front.request(
        "POST",
        "/comments/post/",
        {
            "article": article_id,
            "name": "Scaled Reader",
            "email": "scaled@example.com",
            "body": "Posted through nginx to one of two app servers.",
            "issued": issued,
            "post_key": "scale-out-comment-1",
        },
    )
    assert status in (200, 201), body
    shell(
        site,
        "from django.contrib.auth import get_user_model\n"
        "from dateline.comments.actions import comment_moderate\n"
        "from dateline.comments.models import Comment\n"
        "u = get_user_model().objects.create_superuser('desk', 'desk@example.com', 'x-12345!')\n"
        "comment_moderate(comment_ids=Comment.objects.values_list('pk', flat=True),"
        " decision='approve', by=u)\n",
    )
    front.until(ARTICLE_PATH, "Posted through nginx to one of two app servers.")

    # A signup through nginx: a worker sends the confirmation, its link confirms.
    status, body = front.request(
        "POST", "/newsletter/", {"email": "scaled@example.com", "source": "page", "issued": issued}
    )
    assert status == 200, body
    deadline = time.monotonic() + 30
    while not sink.messages and time.monotonic() < deadline:
        time.sleep(0.1)
    confirmation = sink.received()[0].get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/newsletter/confirm/\S+/", confirmation)[0]
    # The reader's browser: the page's Confirm button, with its CSRF cookie and token.
    page = front.request("GET", urlsplit(link).path)[1].decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    cookie = next(c for c in front.cookies if c.startswith("csrftoken=")).split(";")[0]
    confirm = front.request(
        "POST", urlsplit(link).path, {"csrfmiddlewaretoken": token}, cookie=cookie
    )
    assert confirm[0] == 200, confirm
    assert "confirmed" in shell(
        site,
        "from dateline.newsletter.models import Subscriber\n"
        "print(Subscriber.objects.get(email='scaled@example.com').status)",
    )

    # A newsletter send, shared by the two workers: each reader once.
    sink.messages.clear()
    shell(
        site,
        "from django.utils import timezone\n"
        "from dateline.newsletter import actions\n"
        "from dateline.newsletter.models import Campaign, Newsletter, Subscriber, Subscription\n"
        "n = Newsletter.objects.get(slug='middle-east-news')\n"
        "now = timezone.now()\n"
        "for i in range(60):\n"
        "    s = Subscriber.objects.create(email=f'reader{i}@example.com',"
        " email_key=f'reader{i}@example.com', status='confirmed', created_at=now,"
        " confirmed_at=now)\n"
        "    Subscription.objects.create(subscriber=s, newsletter=n, created_at=now)\n"
        "actions.campaign_start(campaign=Campaign.objects.get(newsletter=n))\n",
    )
    deadline = time.monotonic() + 60
    while len(sink.messages) < 60 and time.monotonic() < deadline:
        assert all(w.poll() is None for w in workers), "a worker exited"
        time.sleep(0.2)
    time.sleep(1)  # a second copy would arrive now
    assert Counter(sink.recipients()) == Counter(f"reader{i}@example.com" for i in range(60))
    assert "sent" in shell(
        site,
        "from dateline.newsletter.models import Campaign\n"
        "print(Campaign.objects.get(newsletter__slug='middle-east-news').status)",
    )
