from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from renkei.accounts.models import AccountRequest, Organisation, User
from renkei.accounts.services import account_issue
from renkei.services import ServiceError


@admin.register(User)
class RenkeiUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Renkei", {"fields": ("role", "organisation", "country")}))
    list_display = ("username", "email", "role", "organisation", "country")
    list_filter = ("role",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "country", "kind", "sample")


@admin.action(description="Issue accounts (email a login link)")
def issue(modeladmin, request, queryset):
    for req in queryset:
        try:
            account_issue(actor=request.user, request=req)
        except ServiceError as exc:
            messages.error(request, f"{req.email}: {exc}")


@admin.register(AccountRequest)
class AccountRequestAdmin(admin.ModelAdmin):
    list_display = ("organisation_name", "contact_name", "email", "status", "requested_at")
    list_filter = ("status",)
    actions = [issue]
    readonly_fields = ("status", "user")
