"""The admin's "Other searches": each a listing of the admin that takes `?q=`, offered on
the page search's results (wagtail.admin.search) to the editors who may open it."""

from collections.abc import Iterable

from wagtail.admin.search import SearchArea


class PermissionSearchArea(SearchArea):
    """A search area shown to users with any of `permissions`; superusers only when none."""

    def __init__(self, label, url, *, permissions: Iterable[str] = (), **kwargs):
        super().__init__(label, url, **kwargs)
        self.permissions = tuple(permissions)

    def is_shown(self, request) -> bool:
        user = request.user
        if not self.permissions:
            return user.is_superuser
        return any(user.has_perm(permission) for permission in self.permissions)


def model_permissions(model) -> list[str]:
    """The permissions that open a model's admin listing (Wagtail asks for any of these)."""
    label, name = model._meta.app_label, model._meta.model_name
    return [f"{label}.{action}_{name}" for action in ("add", "change", "delete", "view")]
