"""Django admin for reports: list, search, date filter, create/edit, and a sandboxed preview.

Staff only, like all of the admin; the preview page frames the same isolated report document
as the public page, so staff see exactly what readers will (and run report JS only sandboxed).
Saving goes through services.report_save.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from islands.crypto_reports.content import outline_read
from islands.crypto_reports.document import frame_url, languages_available
from islands.crypto_reports.models import Report
from islands.crypto_reports.selectors import report_get
from islands.crypto_reports.services import report_save

_CODE = forms.Textarea(attrs={"rows": 18, "cols": 110, "spellcheck": "false", "class": "vLargeTextField report-code"})


class ReportAdminForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = ("html_content", "html_content_en", "css_content", "js_content", "js_content_en")
        widgets = {name: _CODE for name in fields}


class ReportChangeList(ChangeList):
    def get_filters(self, request: HttpRequest) -> tuple:
        # Django computes the end of a date_hierarchy period without bounds checks: the last day,
        # month or year of the calendar (9999) raised OverflowError/ValueError, a 500.
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as exc:
            raise IncorrectLookupParameters(exc) from exc


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    form = ReportAdminForm
    list_display = ("id", "title", "created_at", "languages", "preview_link")
    list_display_links = ("id", "title")
    list_filter = ("created_at",)
    date_hierarchy = "created_at"
    search_fields = ("html_content", "html_content_en")
    readonly_fields = ("created_at",)
    list_per_page = 25
    fieldsets = (
        ("Tiếng Việt", {"fields": ("html_content", "js_content")}),
        ("English", {"fields": ("html_content_en", "js_content_en")}),
        ("Style", {"fields": ("css_content",)}),
        (None, {"fields": ("created_at",)}),
    )

    @admin.display(description="title")
    def title(self, obj: Report) -> str:
        return outline_read(obj.html_content or "").title or f"Report #{obj.id}"

    @admin.display(description="languages")
    def languages(self, obj: Report) -> str:
        return " ".join(code.upper() for code in languages_available(obj))

    @admin.display(description="preview")
    def preview_link(self, obj: Report) -> str:
        url = reverse("admin:crypto_reports_report_preview", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">Preview</a>', url)

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return ReportChangeList

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return self._in_display_zone(super().changelist_view, request, extra_context=extra_context)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None) -> HttpResponse:
        return self._in_display_zone(
            super().change_view, request, object_id, form_url=form_url, extra_context=extra_context
        )

    @staticmethod
    def _in_display_zone(view, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Staff see report times in the zone the site shows them in, not in UTC.
        with timezone.override(settings.DISPLAY_TIME_ZONE):
            response = view(request, *args, **kwargs)
            if isinstance(response, TemplateResponse):
                response.render()
        return response

    def save_model(self, request: HttpRequest, obj: Report, form: forms.ModelForm, change: bool) -> None:
        report_save(report=obj)

    def get_urls(self) -> list:
        preview = path(
            "<int:report_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="crypto_reports_report_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest, report_id: int) -> HttpResponse:
        report = report_get(report_id=report_id)
        if report is None:
            raise Http404("No report with this id.")
        if not self.has_view_permission(request, report):
            raise PermissionDenied
        lang = request.GET.get("report_lang")
        lang = lang if lang in languages_available(report) else "vi"
        theme = request.GET.get("report_theme")
        theme = theme if theme in ("light", "dark") else "light"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": report,
            "title": f"Preview: {self.title(report)}",
            "report": report,
            "report_lang": lang,
            "report_theme": theme,
            "languages": languages_available(report),
            "frame_src": frame_url(report, lang=lang, theme=theme),
            "public_url": report.get_absolute_url(),
        }
        return TemplateResponse(request, "admin/crypto_reports/report/preview.html", context)
