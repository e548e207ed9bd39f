from renkei.c3p import views_activity, views_exit, views_matching, views_partnership, views_project

app_name = "c3p"
urlpatterns = [
    *views_partnership.urlpatterns,
    *views_project.urlpatterns,
    *views_matching.urlpatterns,
    *views_exit.urlpatterns,
    *views_activity.urlpatterns,
]
