from django.urls import path

from renkei.proposals import preregistrations, views

app_name = "proposals"
urlpatterns = [
    path("preregister/", views.preregister, name="preregister"),
    path("preregistrations/", preregistrations.preregistrations, name="preregistrations"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/edit/yaml/", views.edit_yaml, name="edit_yaml"),
    path("<int:pk>/assessment/", views.assessment, name="assessment"),
    path("<int:pk>/attach/", views.attach, name="attach"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/revision/", views.open_revision, name="open_revision"),
    path("attachments/<int:pk>/", views.download, name="download"),
    path("attachments/<int:pk>/remove/", views.attachment_remove, name="attachment_remove"),
    path("attachments/<int:pk>/replace/", views.attachment_replace, name="attachment_replace"),
    path("<int:pk>/partners/", views.partner_add, name="partner_add"),
    path("partners/<int:pk>/remove/", views.partner_remove, name="partner_remove"),
    path("invitations/<int:pk>/", views.partner_invitation, name="partner_invitation"),
    path(
        "invitations/<int:pk>/withdraw/",
        views.partner_invitation_withdraw,
        name="partner_invitation_withdraw",
    ),
]
