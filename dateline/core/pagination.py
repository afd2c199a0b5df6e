from django.core.paginator import InvalidPage, Page, Paginator
from django.http import Http404


def paginate(request, object_list, *, per_page: int, param: str = "page") -> Page:
    """The page `?page=N` asks for; a page that does not exist is a 404, not page 1."""
    paginator = Paginator(object_list, per_page)
    try:
        return paginator.page(request.GET.get(param, 1))
    except InvalidPage as exc:
        raise Http404(str(exc)) from exc
