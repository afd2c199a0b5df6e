from django import template

from dateline.core import captcha, formstamp

register = template.Library()


@register.inclusion_tag("newsletter/_signup_box.html", takes_context=True)
def signup_box(context, source: str):
    """The short signup form of cached pages: address only; choices are on the list's page."""
    return {
        "source": source,
        "issued": formstamp.issue(),
        "settings": context.get("settings"),
        "request": context.get("request"),
    }


@register.inclusion_tag("newsletter/_popup.html", takes_context=True)
def signup_popup(context):
    """The "Keep In Touch" dialog: in every page's HTML, shown by script to some readers."""
    return {
        "issued": formstamp.issue(),
        "settings": context.get("settings"),
        "request": context.get("request"),
    }


@register.simple_tag
def captcha_widget():
    return captcha.widget()
