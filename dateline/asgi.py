"""The embedded server's application (`manage.py serve`, hence `make run`): Django's WSGI
application behind the front that reads request bodies first (dateline.core.front).

    granian --interface asginl --no-ws dateline.asgi:application
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from dateline.core.front import BodyBufferingFront

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dateline.settings.base")
django_application = get_wsgi_application()
application = BodyBufferingFront(
    django_application,
    threads=settings.SERVE_THREADS,
    body_timeout=settings.REQUEST_BODY_TIMEOUT,
    body_min_rate=settings.REQUEST_BODY_MIN_RATE,
    spool_bytes=settings.FILE_UPLOAD_MAX_MEMORY_SIZE,
)
