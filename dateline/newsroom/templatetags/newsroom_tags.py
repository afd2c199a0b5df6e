from django import template
from wagtail.models import Site

from ..models import SectionPage

register = template.Library()


@register.inclusion_tag("newsroom/_section_nav.html", takes_context=True)
def section_nav(context):
    """The top-level sections, in the order editors put them in the page tree."""
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    sections = []
    if site is not None:
        sections = (
            SectionPage.objects.live()
            .public()
            .filter(path__startswith=site.root_page.path, depth=site.root_page.depth + 1)
            .order_by("path")
        )
    current = context.get("section") or context.get("page")
    current_path = current.path if isinstance(current, SectionPage) else ""
    return {"sections": [(section, current_path.startswith(section.path)) for section in sections]}


@register.inclusion_tag("newsroom/_teaser.html")
def teaser(article, heading_level: int = 3, show_image: bool = True):
    return {"article": article, "heading_level": heading_level, "show_image": show_image}
