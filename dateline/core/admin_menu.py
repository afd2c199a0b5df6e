from wagtail.admin.menu import MenuItem


class PermissionMenuItem(MenuItem):
    """An admin menu item shown to users with `permission`; superusers only when it is None."""

    def __init__(self, *args, permission: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        if self.permission is None:
            return request.user.is_superuser
        return request.user.has_perm(self.permission)
