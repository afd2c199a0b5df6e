"""The moderation desk's URLs, under /admin/comments/ (included by wagtail_hooks)."""

from django.urls import path

from . import admin_views

app_name = "comments_admin"

urlpatterns = [
    path("", admin_views.queue, name="queue"),
    path("bulk/", admin_views.bulk, name="bulk"),
    path("<id:pk>/", admin_views.detail, name="detail"),
    path("<id:pk>/moderate/", admin_views.moderate, name="moderate"),
    path("<id:pk>/ban/", admin_views.comment_ban, name="comment_ban"),
    path("bans/", admin_views.bans, name="bans"),
    path("bans/<id:pk>/lift/", admin_views.ban_lift, name="ban_lift"),
    path("thread/<id:article_id>/", admin_views.thread_state, name="thread_state"),
    path("log/", admin_views.log, name="log"),
]
