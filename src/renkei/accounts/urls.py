from django.contrib.auth import views as auth_views
from django.urls import path

from renkei.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("request/", views.account_request, name="request"),
    path("requests/", views.requests, name="requests"),
    path("requests/<int:pk>/", views.request_decide, name="request_decide"),
    path("set-password/<uidb64>/<token>/", views.set_password, name="set_password"),
]
