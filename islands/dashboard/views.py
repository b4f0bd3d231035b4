"""The home page view: stored bytes for the newest stream entry, "no data yet" before the first."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from islands.cache_system.selectors import summary_latest
from islands.dashboard.http import reply_response
from islands.dashboard.pages import home_render
from islands.dashboard.serving import PAGE_VARY, home_rendered, reply_build


@csrf_exempt  # read-only: an unsafe method gets 405, not CSRF's 403
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    snapshot = summary_latest()
    lang, theme = request.LANGUAGE_CODE, request.theme
    if snapshot is None:
        rendered = home_render(snapshot=None, lang=lang, theme=theme)
    else:
        rendered = home_rendered(snapshot=snapshot, lang=lang, theme=theme)
    reply = reply_build(
        rendered,
        head=request.method == "HEAD",
        accept_encoding=request.headers.get("Accept-Encoding"),
        if_none_match=request.headers.get("If-None-Match"),
        if_modified_since=request.headers.get("If-Modified-Since"),
        vary=PAGE_VARY,
        language=lang,
    )
    return reply_response(reply)
