import json

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from dateline.core.dates import iso_datetime, scheduled_time
from dateline.core.links import absolute_url

register = template.Library()

# The escapes of django.utils.html.json_script: the JSON cannot close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data) -> str:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(payload.translate(_JSON_SCRIPT_ESCAPES)),
    )


register.simple_tag(absolute_url, name="absolute_url")
# `<time datetime="{{ value|iso_datetime }}">`: the one way a page writes a date for machines.
register.filter("iso_datetime", iso_datetime)
# `{{ page.go_live_at|scheduled_time }}`: "3 Dec 2026 09:00 UTC", in the editor's time zone.
register.filter("scheduled_time", scheduled_time)


@register.inclusion_tag("core/_editor_userbar.html", takes_context=True)
def editor_userbar(context):
    """The Wagtail userbar for signed-in editors only.

    Anonymous readers have no session cookie; looking at request.user for them would read the
    session and add "Vary: Cookie", which splits a shared cache by visitor.
    """
    request = context.get("request")
    show = request is not None and settings.SESSION_COOKIE_NAME in request.COOKIES
    return {"show": show, "request": request, "page": context.get("page"), **context.flatten()}
