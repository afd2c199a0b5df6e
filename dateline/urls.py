from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from dateline.core import signin
from dateline.core import views as core_views

handler404 = "dateline.core.views.page_not_found"
handler500 = "dateline.core.views.server_error"

urlpatterns = [
    # Before Wagtail's own: the reset page that answers when a cap is reached.
    path(
        "admin/password_reset/",
        signin.PasswordResetView.as_view(),
        name="wagtailadmin_password_reset",
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("healthz", core_views.health, name="health"),
    path("forms/stamp/", core_views.form_stamp, name="form_stamp"),
    # Browsers and crawlers ask for /favicon.ico whatever the page links to.
    path("favicon.ico", core_views.favicon),
    path("comments/", include("dateline.comments.urls")),
    path("newsletter/", include("dateline.newsletter.urls")),
    path("", include("dateline.newsroom.urls")),
]

if settings.SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(
        re_path(rf"^{media_prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )

urlpatterns.append(path("", include(wagtail_urls)))
