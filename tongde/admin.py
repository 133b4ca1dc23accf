"""What the Django admin may do, in every app: show rows, not write them.

Every write of the product goes through its services: they check who may act, log the
transition, mark stale the rollups the change touches, and keep what an audit needs (nothing is
hard-deleted: an operation is withdrawn, a compound archived, a membership ended, an account
deactivated). An edit in the admin would skip all of that, so the apps' admins list, search and
show rows and change none. The exceptions have no page of their own and nothing depends on their
history: districts, streets and communities (setting up a new community), and accounts and
their memberships (a new community's first staff account). Those may be added and changed here,
never deleted.

``tests/tongde/test_admin_policy.py`` holds every registered model to this.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin


class _NoDelete:
    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _ReadOnly(_NoDelete):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(_ReadOnly, admin.ModelAdmin):
    """Lists, searches and shows rows; no add, change or delete."""


class ReadOnlyHistoryAdmin(_ReadOnly, SimpleHistoryAdmin):
    """Read-only, with django-simple-history's "History" button on models that keep one."""


class ReadOnlyInline(_ReadOnly, admin.TabularInline):
    extra = 0
    show_change_link = True


class NoDeleteAdmin(_NoDelete, admin.ModelAdmin):
    """Reference data with no page of its own: added and changed here, never deleted."""


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(_NoDelete, UserAdmin):
    """An account that did something is named in logs and histories: deactivate it (the accounts
    page does, and so does "active" here) instead of deleting it."""
