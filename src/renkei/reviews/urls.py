from django.urls import path

from renkei.reviews import views

app_name = "reviews"
urlpatterns = [
    path("proposals/", views.intake, name="intake"),
    path("proposals/<int:pk>/screening/", views.screening, name="screening"),
    path("screening-items/<int:pk>/", views.decide, name="decide"),
    path("screenings/<int:pk>/complete/", views.complete, name="complete"),
]
