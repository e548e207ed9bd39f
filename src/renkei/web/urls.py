"""Root URLs: pages in Japanese by default, English via the language switcher."""

from django.contrib import admin
from django.urls import include, path

from renkei.api import api
from renkei.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("renkei.accounts.urls")),
    path("proposals/", include("renkei.proposals.urls")),
    path("office/", include("renkei.reviews.urls")),
    path("", include("renkei.adoption.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

# a database error raised outside a view (renkei.web.middleware) is a 503 with a message too
handler500 = "renkei.web.middleware.server_error"
