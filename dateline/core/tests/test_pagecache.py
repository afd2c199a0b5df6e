import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from dateline.core import pagecache
from dateline.core.actions import page_cache_purge

pytestmark = pytest.mark.django_db


def make_middleware(render):
    calls = []

    def view(request):
        calls.append(request)
        return render(request)

    return pagecache.PageCacheMiddleware(view), calls


def tagged(body="<p>story</p>", tags=("page:1",)):
    return lambda request: pagecache.tag_response(HttpResponse(body), tags=set(tags))


def test_second_anonymous_request_is_served_from_cache():
    middleware, calls = make_middleware(tagged())
    first = middleware(RequestFactory().get("/story/"))
    second = middleware(RequestFactory().get("/story/"))
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert second.content == first.content
    assert len(calls) == 1


def test_cached_page_is_public_with_etag_and_tags():
    middleware, _ = make_middleware(tagged())
    response = middleware(RequestFactory().get("/story/"))
    assert "public" in response["Cache-Control"]
    assert f"s-maxage={settings.PAGE_CACHE_SHARED_MAX_AGE}" in response["Cache-Control"]
    assert response["ETag"].startswith('"')
    assert set(response["Cache-Tag"].split()) == {"page:1", "site"}


def test_purging_a_tag_makes_the_next_request_render_again():
    middleware, calls = make_middleware(tagged(tags=("page:1", "section:2")))
    middleware(RequestFactory().get("/story/"))
    page_cache_purge(tags={"section:2"})
    response = middleware(RequestFactory().get("/story/"))
    assert response["X-Cache"] == "MISS"
    assert len(calls) == 2


def test_purging_an_unrelated_tag_keeps_the_entry():
    middleware, _calls = make_middleware(tagged(tags=("page:1",)))
    middleware(RequestFactory().get("/story/"))
    page_cache_purge(tags={"page:99"})
    assert middleware(RequestFactory().get("/story/"))["X-Cache"] == "HIT"


def test_page_rendered_while_a_purge_happens_is_not_stored():
    def render_during_purge(request):
        page_cache_purge(tags={"page:1"})
        return pagecache.tag_response(HttpResponse("old"), tags={"page:1"})

    middleware, calls = make_middleware(render_during_purge)
    middleware(RequestFactory().get("/story/"))
    middleware(RequestFactory().get("/story/"))
    assert len(calls) == 2


def test_signed_in_visitor_bypasses_the_cache_and_gets_a_private_answer():
    middleware, calls = make_middleware(tagged())
    middleware(RequestFactory().get("/story/"))
    request = RequestFactory().get("/story/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "abc"
    response = middleware(request)
    assert "X-Cache" not in response
    assert "private" in response["Cache-Control"]
    assert len(calls) == 2


def test_untagged_and_error_responses_are_not_stored():
    middleware, calls = make_middleware(lambda request: HttpResponse("form"))
    middleware(RequestFactory().get("/form/"))
    middleware(RequestFactory().get("/form/"))
    assert len(calls) == 2

    def not_found(request):
        return pagecache.tag_response(HttpResponse("gone", status=404), tags={"x"})

    middleware, calls = make_middleware(not_found)
    middleware(RequestFactory().get("/gone/"))
    middleware(RequestFactory().get("/gone/"))
    assert len(calls) == 2


def test_response_that_sets_a_cookie_is_never_shared():
    def with_cookie(request):
        response = tagged()(request)
        response.set_cookie("visitor", "42")
        return response

    middleware, calls = make_middleware(with_cookie)
    middleware(RequestFactory().get("/story/"))
    middleware(RequestFactory().get("/story/"))
    assert len(calls) == 2


def test_campaign_parameters_share_one_entry_but_other_parameters_do_not():
    middleware, _calls = make_middleware(tagged())
    middleware(RequestFactory().get("/story/?utm_source=x"))
    assert middleware(RequestFactory().get("/story/?utm_source=y&fbclid=1"))["X-Cache"] == "HIT"
    assert middleware(RequestFactory().get("/story/?page=2"))["X-Cache"] == "MISS"


def test_conditional_request_with_matching_etag_gets_304():
    middleware, _ = make_middleware(tagged())
    etag = middleware(RequestFactory().get("/story/"))["ETag"]
    response = middleware(RequestFactory().get("/story/", HTTP_IF_NONE_MATCH=etag))
    assert response.status_code == 304
    assert response.content == b""


def test_post_is_never_answered_from_cache():
    middleware, calls = make_middleware(tagged())
    middleware(RequestFactory().get("/story/"))
    middleware(RequestFactory().post("/story/"))
    assert len(calls) == 2


def test_a_process_serves_its_own_copy_briefly_then_sees_the_purge(client, demo_article, settings):
    """The per-process copy: no shared-cache round trip within PAGE_CACHE_LOCAL_SECONDS."""
    from dateline.core.actions import page_cache_purge

    settings.PAGE_CACHE_LOCAL_SECONDS = 2
    assert client.get(demo_article.url)["X-Cache"] == "MISS"
    assert client.get(demo_article.url)["X-Cache"] == "HIT"  # from the shared cache, kept
    page_cache_purge(tags={f"page:{demo_article.pk}"})

    assert client.get(demo_article.url)["X-Cache"] == "HIT"  # this process's copy
    settings.PAGE_CACHE_LOCAL_SECONDS = 1e-9  # the window has passed, without waiting for it
    assert client.get(demo_article.url)["X-Cache"] == "MISS"  # checked again: purged
