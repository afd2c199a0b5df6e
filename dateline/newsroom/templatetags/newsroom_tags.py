from django import template
from wagtail.models import Site

from ..models import NewsroomSettings, SectionPage
from ..selectors import nav_sections

register = template.Library()


@register.inclusion_tag("newsroom/_section_nav.html", takes_context=True)
def section_nav(context):
    """The top-level sections, in the order editors put them in the page tree."""
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    sections = nav_sections(site, request) if site is not None else []
    current = context.get("section") or context.get("page")
    current_path = current.path if isinstance(current, SectionPage) else ""
    return {"sections": [(section, current_path.startswith(section.path)) for section in sections]}


@register.inclusion_tag("newsroom/_teaser.html")
def teaser(article, heading_level: int = 3, show_image: bool = True):
    """An article in a list; `selectors.attach_sections` has given it its section and links."""
    return {"article": article, "heading_level": heading_level, "show_image": show_image}


@register.simple_tag
def newsroom_settings() -> NewsroomSettings:
    """The default site's newsroom, for what is rendered without a request (emails)."""
    site = Site.objects.filter(is_default_site=True).first()
    return NewsroomSettings.for_site(site) if site else NewsroomSettings()
