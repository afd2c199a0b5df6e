"""Content-Security-Policy and Permissions-Policy on every page (dateline.core.security_headers).

What a browser makes of them (an injected inline script refused, the admin working under its
own policy) is shown in Chromium by dateline/core/tests/test_browser.py.
"""

import base64
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from dateline.core import pagecache
from dateline.core.views import server_error
from dateline.newsroom.models import Topic
from dateline.newsroom.tests.factories import AuthorFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]
ARTICLE_URL = "/middle-east-news/us-gains-support-from-world-powers-vs-isis/"
DENIED_FEATURES = ("camera", "microphone", "geolocation", "browsing-topics", "payment", "usb")


def directives(response) -> dict[str, set[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = set(sources)
    return parsed


def features(response) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))


def reader_urls() -> list[str]:
    topic = Topic.objects.order_by("pk").first()
    assert topic is not None
    author = AuthorFactory()
    return [
        "/",
        "/middle-east-news/",
        ARTICLE_URL,
        f"/topics/{topic.slug}/",
        f"/authors/{author.slug}/",
        "/archive/",
        "/search/?q=isis",
        "/newsletter/",
        "/comments/erase/",
        "/no-such-page/",
    ]


def test_every_reader_page_runs_and_styles_only_the_sites_own_files(client, demo_article):
    for url in reader_urls():
        response = client.get(url)
        assert response.status_code in (200, 404), url
        policy = directives(response)
        assert policy["default-src"] == {"'self'"}, url
        assert policy["script-src"] == {"'self'"}, url
        assert policy["style-src"] == {"'self'"}, url
        assert policy["img-src"] == {"'self'", "data:"}, url
        assert policy["object-src"] == {"'none'"}, url
        assert policy["base-uri"] == {"'self'"}, url
        assert policy["form-action"] == {"'self'"}, url
        assert policy["frame-ancestors"] == {"'none'"}, url
        assert response["X-Frame-Options"] == "DENY", url
        assert "upgrade-insecure-requests" not in policy, "only behind TLS (production)"
        denied = features(response)
        assert all(denied[name] == "()" for name in DENIED_FEATURES), url


def test_a_page_cache_hit_carries_the_same_policies(client, demo_article):
    first = client.get(ARTICLE_URL)
    second = client.get(ARTICLE_URL)
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    for header in ("Content-Security-Policy", "Permissions-Policy"):
        assert second[header] == first[header]


def test_the_page_cache_replays_a_policy_a_view_set_itself():
    def view(request):
        response = HttpResponse("<p>story</p>")
        response["Content-Security-Policy"] = "default-src 'none'"
        response["Permissions-Policy"] = "camera=()"
        return pagecache.tag_response(response, tags={"page:1"})

    middleware = pagecache.PageCacheMiddleware(view)
    middleware(RequestFactory().get("/story/"))
    hit = middleware(RequestFactory().get("/story/"))
    assert hit["X-Cache"] == "HIT"
    assert hit["Content-Security-Policy"] == "default-src 'none'"
    assert hit["Permissions-Policy"] == "camera=()"


def test_the_admin_has_its_own_policy_and_the_outbox_keeps_its_sandbox(admin_client):
    from dateline.core.models import OutboxMessage

    for url in ("/admin/login/", "/admin/"):
        policy = directives(admin_client.get(url))
        assert "'unsafe-inline'" in policy["script-src"], url
        assert policy["frame-ancestors"] == {"'self'"}, "the admin frames its own previews"
        assert policy["object-src"] == {"'none'"}
    message = OutboxMessage.objects.create(
        from_email="newsroom@example.org", recipients="r@example.org", subject="Hi", raw="-"
    )
    html = admin_client.get(f"/admin/outbox/{message.pk}/html/")
    assert html["Content-Security-Policy"] == (
        "sandbox; default-src 'none'; img-src * data:; style-src 'unsafe-inline'"
    )
    assert "Permissions-Policy" in html


def test_the_500_page_allows_its_own_inline_style_and_nothing_else():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    css = re.search(r"<style>(.*?)</style>", response.content.decode(), re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    policy = directives(response)
    assert policy["style-src"] == {f"'sha256-{digest}'"}
    assert policy["default-src"] == {"'none'"}
    assert "script-src" not in policy


def test_production_upgrades_insecure_requests(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dateline.settings.production",
        "SECRET_KEY": "x7!" + "k" * 30 + "Q9#" + "m" * 30,
        "ALLOWED_HOSTS": "news.example.org",
        "DATELINE_VAR_DIR": str(tmp_path),
    }
    show = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES'].get('upgrade-insecure-requests'), "
        "s.ADMIN_CONTENT_SECURITY_POLICY['DIRECTIVES'].get('upgrade-insecure-requests'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", show], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["True", "True"], result.stderr
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].get("upgrade-insecure-requests") in (
        None,
        False,
    )


# --- what the policy relies on: nothing inline in templates or in the site's scripts --------

# Pages, not emails: mail clients run no script, and emails need their styles inline.
TEMPLATES = sorted(
    path
    for path in ROOT.glob("dateline/**/templates/**/*.html")
    if "email" not in path.relative_to(ROOT).parts
)
# Error pages that must load nothing: their inline style is allowed by its hash (500) or by
# their own policy (503), set by the view that answers with them.
SELF_CONTAINED_PAGES = {"500.html", "503.html"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(ld\+)?json\")")
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.S)
JAVASCRIPT_URL = re.compile(r"javascript:", re.I)
INLINE_STYLE = re.compile(r"<style|\sstyle=")
HTML_FROM_STRINGS = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(")


def is_admin(template: Path) -> bool:
    """Under the admin's own policy, which allows inline styles (Wagtail's need them)."""
    first_line = template.read_text(encoding="utf-8").split("\n", 1)[0]
    return "admin" in template.relative_to(ROOT).parts or "wagtailadmin/" in first_line


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_pages_carry_no_inline_script_handler_or_javascript_url(template):
    markup = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(markup), "inline <script>: move it to a file under static/"
    assert not EVENT_HANDLER.search(markup), "inline event handler: addEventListener in a file"
    assert not JAVASCRIPT_URL.search(markup), "javascript: URL"
    if not is_admin(template) and template.name not in SELF_CONTAINED_PAGES:
        assert not INLINE_STYLE.search(markup), "inline style on a reader's page: site.css"


@pytest.mark.parametrize(
    "script", sorted(ROOT.glob("dateline/**/static/**/*.js")), ids=lambda path: path.name
)
def test_the_sites_scripts_build_no_html_from_strings(script):
    source = script.read_text(encoding="utf-8")
    assert not HTML_FROM_STRINGS.search(source), "build DOM nodes and set textContent"
