"""A trivial Django view under granian: this machine's own figure for what an app server
can answer at best, measured in the same run as the article page (the issue's 11,000 to
13,000 requests/s were measured on another day's machine)."""

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only, never served to anyone",  # noqa: S106
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
)

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after configure()
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def hello(request):
    return HttpResponse(b"Hello, world")


urlpatterns = [path("", hello), path("healthz", hello)]
application = get_wsgi_application()
