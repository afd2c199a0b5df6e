from anymail import urls as anymail_urls
from django.urls import include, path
from django.urls.resolvers import URLPattern

from . import views

app_name = "newsletter"

urlpatterns = [
    path("", views.signup, name="signup"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/data.json", views.manage_data, name="manage_data"),
    path("change-address/<str:token>/", views.change, name="change"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("issues/<id:pk>/", views.issue, name="issue"),
    # Email services' tracking webhooks (bounces, complaints): authenticated, and verified
    # for the services that sign; refused when no webhook secret is configured.
    path(
        "webhooks/",
        include(
            (
                [
                    URLPattern(p.pattern, views.webhook_guard(p.callback), p.default_args, p.name)
                    for p in anymail_urls.urlpatterns
                    if p.name.endswith("_tracking_webhook")
                ],
                "anymail",
            )
        ),
    ),
]
