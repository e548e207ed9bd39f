from django.urls import path

from renkei.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("request/", views.account_request, name="request"),
    path("requests/", views.requests, name="requests"),
    path("requests/<int:pk>/", views.request_decide, name="request_decide"),
    path("consents/<int:pk>/", views.consent, name="consent"),
    path("set-password/<uidb64>/<token>/", views.set_password, name="set_password"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
