from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from wagtail.models import Site

from dateline.core.sites import default_site

from .. import bylines
from ..design import theme_stylesheet_url
from ..models import NewsroomSettings, SectionPage
from ..selectors import admin_logo, header_links, site_menus

register = template.Library()


def _marked(links, *, current_path: str, request_path: str):
    """Each link with whether it leads to the current section (or, an address, this page)."""
    return [
        (link, current_path.startswith(link.path) if link.path else link.url == request_path)
        for link in links
    ]


def _newsroom(context) -> NewsroomSettings:
    """The request's newsroom (a preview's unsaved one), else the default site's."""
    request = context.get("request")
    if request is not None and Site.find_for_request(request) is not None:
        return NewsroomSettings.for_request(request)
    return newsroom_settings()


def _current_path(context) -> str:
    current = context.get("section") or context.get("page")
    return current.path if isinstance(current, SectionPage) else ""


@register.inclusion_tag("newsroom/_section_nav.html", takes_context=True)
def section_nav(context):
    """The header menu, or while it is empty the top-level sections shown in menus, in the
    order editors put them in the page tree."""
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return {"sections": []}
    links = header_links(site=site, newsroom=NewsroomSettings.for_request(request), request=request)
    return {
        "sections": _marked(links, current_path=_current_path(context), request_path=request.path)
    }


@register.inclusion_tag("newsroom/_footer_menu.html", takes_context=True)
def footer_menu(context):
    """The newsroom's footer menu, as editors ordered it."""
    request = context.get("request")
    if request is None or Site.find_for_request(request) is None:
        return {"links": []}
    menus = site_menus(newsroom=NewsroomSettings.for_request(request), request=request)
    return {
        "links": _marked(
            menus.footer, current_path=_current_path(context), request_path=request.path
        )
    }


@register.simple_tag(takes_context=True)
def theme_stylesheet(context) -> str:
    """The address of the stylesheet of the newsroom's accent colour and type (unsaved ones
    in a preview of the settings)."""
    newsroom = _newsroom(context)
    return theme_stylesheet_url(accent=newsroom.accent_colour, typeface=newsroom.typeface)


@register.inclusion_tag("newsroom/_admin_logo.html", takes_context=True)
def newsroom_logo(context, css_class: str = ""):
    """The newsroom's logo for the admin (sign-in page, sidebar), else its name."""
    newsroom = _newsroom(context)
    return {"logo": admin_logo(newsroom), "name": newsroom.name, "css_class": css_class}


@register.simple_tag(takes_context=True)
def newsroom_name(context) -> str:
    """The name of the request's newsroom (the admin's title and welcome)."""
    return _newsroom(context).name


@register.inclusion_tag("newsroom/_teaser.html")
def teaser(article, heading_level: int = 3, show_image: bool = True):
    """An article in a list; `selectors.attach_sections` has given it its section and links."""
    return {"article": article, "heading_level": heading_level, "show_image": show_image}


@register.simple_tag
def newsroom_settings() -> NewsroomSettings:
    """The default site's newsroom, for what is rendered without a request (emails)."""
    site = default_site()
    return NewsroomSettings.for_site(site) if site else NewsroomSettings()


@register.filter
def join_names(names) -> str:
    """Names (or bylines) joined as people write them: “A”, “A and B”, “A, B and C”."""
    texts = [getattr(name, "display_name", name) for name in names]
    return mark_safe(bylines.join_names(conditional_escape(text) for text in texts))


@register.filter
def name_list(items) -> list:
    """(item, what follows it) pairs, for a list of names with markup of their own:
    {% for byline, after in bylines|name_list %}<a …>{{ byline }}</a>{{ after }}{% endfor %}."""
    return bylines.name_list(list(items))


@register.filter
def by_role(items) -> list:
    """Bylines as (role, bylines) groups, those without a role first (bylines.by_role)."""
    return bylines.by_role(items)
