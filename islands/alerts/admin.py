"""Admin of the alerts island: staff see every user's alerts, fires and deliveries (read-only
fires and deliveries: they are the evaluator's record), and the push subscriptions."""

from __future__ import annotations

from django.contrib import admin

from islands.alerts.models import Alert, AlertDelivery, AlertFire, PushSubscription, WatchlistItem


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "coin", "currency", "window", "threshold", "active", "last_fired_at", "created_at")
    list_filter = ("kind", "active", "currency")
    search_fields = ("user__email", "coin", "note")
    raw_id_fields = ("user",)


class DeliveryInline(admin.TabularInline):
    model = AlertDelivery
    extra = 0
    can_delete = False
    readonly_fields = ("channel", "status", "attempts", "error", "updated_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AlertFire)
class AlertFireAdmin(ReadOnlyAdmin):
    list_display = ("fired_at", "user", "alert", "value", "previous", "stream_id")
    list_filter = (("fired_at", admin.DateFieldListFilter),)
    search_fields = ("user__email", "=stream_id")
    inlines = [DeliveryInline]


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("fire", "channel", "status", "attempts", "error", "updated_at")
    list_filter = ("channel", "status")


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("user", "endpoint", "created_at")
    search_fields = ("user__email",)


@admin.register(WatchlistItem)
class WatchlistItemAdmin(ReadOnlyAdmin):
    list_display = ("user", "coin", "created_at")
