from django import template

from dateline.core import captcha, formstamp
from dateline.newsroom.models import ArticlePage

from ..models import MailingListSettings

register = template.Library()


def _copy_for(context, source: str) -> str:
    try:
        mailing = MailingListSettings.for_request(context["request"])
    except MailingListSettings.DoesNotExist:  # a request for no site of ours (a 404): defaults
        mailing = MailingListSettings()
    return mailing.copy_for(source)


@register.inclusion_tag("newsletter/_signup_box.html", takes_context=True)
def signup_box(context, source: str):
    """The short signup form of cached pages: address only; choices are on the list's page."""
    return {
        "source": source,
        "body": _copy_for(context, source),
        "issued": formstamp.issue(),
        "settings": context.get("settings"),
        "request": context.get("request"),
    }


@register.inclusion_tag("newsletter/_popup.html", takes_context=True)
def signup_popup(context):
    """The "Keep In Touch" dialog: in every page's HTML, shown by script to some readers;
    over an article it speaks of the article."""
    source = "popup" if isinstance(context.get("page"), ArticlePage) else "page-popup"
    return {
        "source": source,
        "body": _copy_for(context, source),
        "issued": formstamp.issue(),
        "settings": context.get("settings"),
        "request": context.get("request"),
    }


@register.simple_tag
def captcha_widget():
    return captcha.widget()
