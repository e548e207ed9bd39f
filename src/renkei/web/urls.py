"""Root URLs: pages in Japanese by default, English via the language switcher."""

from django.contrib import admin
from django.urls import include, path

from renkei.api import api
from renkei.ops.health import healthz
from renkei.web import account, views

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/setlang/", account.set_language, name="set_language"),
    path("notices/", account.notices, name="notices"),
    path("notices/<int:pk>/open/", account.notice_read, name="notice_open"),
    path("notices/read-all/", account.notices_read_all, name="notices_read_all"),
    path("accounts/me/", account.account, name="account"),
    path("accounts/", include("renkei.accounts.urls")),
    path("proposals/", include("renkei.proposals.urls")),
    path("office/", include("renkei.reviews.urls")),
    path("", include("renkei.adoption.urls")),
    path("", include("renkei.grants.urls")),
    path("", include("renkei.monitoring.urls")),
    path("", include("renkei.credits.urls")),
    path("", include("renkei.c3p.urls")),
    path("api/", api.urls),
    path("healthz", healthz, name="healthz"),  # readiness for a load balancer (docs/ops/logs.md)
    path("admin/", admin.site.urls),
]

# a database error raised outside a view (renkei.web.middleware) is a 503 with a message too
handler500 = "renkei.web.middleware.server_error"
