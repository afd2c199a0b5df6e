from django import template
from django.conf import settings

from dateline.core import formstamp

from ..forms import CommentForm
from ..selectors import thread_page

register = template.Library()


@register.simple_tag(takes_context=True)
def comment_thread(context, article):
    """The page of `article`'s comment thread this request asks for (`?csort=`, `?cpage=`)."""
    request = context["request"]
    return thread_page(article=article, request=request)


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, thread):
    request = context["request"]
    # Only a request with a session is rendered for one visitor; the shared page is anonymous.
    has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
    user = request.user if has_session and request.user.is_authenticated else None
    form = CommentForm(
        initial={"article": thread.article.pk, "issued": formstamp.issue()}, signed_in=bool(user)
    )
    return {"request": request, "thread": thread, "form": form, "signed_in_user": user}


@register.inclusion_tag("comments/_feed_links.html")
def comment_feed_links(article):
    """The article's comment feeds, for its <head>: feed readers find them there."""
    return {"article": article}


@register.filter
def comment_count_label(count) -> str:
    count = count or 0
    if not count:
        return "Click to comment"
    return f"{count:,} comment{'s' if count != 1 else ''}"


@register.filter
def can_reply_to(thread, comment) -> bool:
    return thread.is_open and comment.depth + 1 < thread.policy.max_depth
