"""Read-only admin browser of the stream backup (MarketSnapshot): filter by stream and date.

Rows belong to the backup consumer: the admin can look, never add, edit or delete.
"""

from __future__ import annotations

import orjson
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from islands.cache_system.models import MarketSnapshot


@admin.register(MarketSnapshot)
class MarketSnapshotAdmin(admin.ModelAdmin):
    list_display = ("time", "stream", "stream_id", "btc_price_usd", "eth_price_usd", "market_cap_usd", "fng_value")
    list_filter = ("stream", ("time", admin.DateFieldListFilter))
    date_hierarchy = "time"
    search_fields = ("=stream_id",)
    ordering = ("-ms", "-seq")
    list_per_page = 50
    # The table is large: counting it for every page would be slower than the page itself.
    show_full_result_count = False
    exclude = ("data",)
    readonly_fields = ("data_pretty",)

    @admin.display(description="data (JSON)")
    def data_pretty(self, obj: MarketSnapshot) -> str:
        return format_html("<pre>{}</pre>", orjson.dumps(obj.data, option=orjson.OPT_INDENT_2).decode())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: MarketSnapshot | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: MarketSnapshot | None = None) -> bool:
        return False
