"""Language (?lang -> cookie -> Accept-Language -> vi) and theme on the home page, both paths."""

import pytest

from islands.shared_components.preferences import LANGUAGE_COOKIE, THEME_COOKIE


def test_it_defaults_to_vietnamese(client, stored):
    response = client.get("/")
    html = response.content.decode()
    assert '<html lang="vi"' in html
    assert "Tổng quan thị trường" in html
    assert "$97.123,45" in html
    assert "$3,41 nghìn tỷ" in html
    # Numbers meant for scripts stay machine-readable whatever the language.
    assert 'data-gauge-value="61.5"' in html
    assert 'data-stale-after="60.0"' in html
    assert response["Content-Language"] == "vi"


def test_it_follows_accept_language(client, stored):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR, en-US;q=0.8, vi;q=0.5").content.decode()
    assert '<html lang="en"' in html
    assert "Market overview" in html
    assert "$97,123.45" in html


def test_a_cookie_beats_accept_language(client, stored):
    client.cookies[LANGUAGE_COOKIE] = "vi"
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="vi"' in html


def test_lang_in_the_query_wins_and_is_remembered(client, stored):
    response = client.get("/?lang=en", HTTP_ACCEPT_LANGUAGE="vi")
    assert '<html lang="en"' in response.content.decode()
    assert response.cookies[LANGUAGE_COOKIE].value == "en"
    later = client.get("/", HTTP_ACCEPT_LANGUAGE="vi")
    assert '<html lang="en"' in later.content.decode()


def test_an_unsupported_lang_is_ignored(client, stored):
    response = client.get("/?lang=xx", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en"' in response.content.decode()
    assert LANGUAGE_COOKIE not in response.cookies


def test_the_no_data_page_speaks_both_languages(client):
    assert "Chưa có dữ liệu" in client.get("/").content.decode()
    assert "No data yet" in client.get("/?lang=en").content.decode()


def test_the_theme_is_applied_server_side_and_persisted(client, stored):
    assert 'data-theme="light"' in client.get("/").content.decode()
    response = client.get("/?theme=dark")
    assert 'data-theme="dark"' in response.content.decode()
    assert response.cookies[THEME_COOKIE].value == "dark"
    assert 'data-theme="dark"' in client.get("/").content.decode()


def test_the_page_cache_reads_the_same_cookies_and_header(asgi_get, stored):
    english_dark = asgi_get(
        "/", headers=[(b"cookie", f"{THEME_COOKIE}=dark; {LANGUAGE_COOKIE}=en".encode()), (b"accept-language", b"vi")]
    )
    html = english_dark["body"].decode()
    assert english_dark["status"] == 200
    assert '<html lang="en" data-theme="dark"' in html
    assert english_dark["header_map"]["content-language"] == "en"
    assert "Cookie" in english_dark["header_map"]["vary"]
    vietnamese = asgi_get("/", headers=[(b"accept-language", b"vi-VN,vi;q=0.9")])
    assert '<html lang="vi" data-theme="light"' in vietnamese["body"].decode()
    assert english_dark["header_map"]["etag"] != vietnamese["header_map"]["etag"]


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_the_page_cache_compresses_the_page_and_answers_304(asgi_get, stored, encoding):
    first = asgi_get("/", headers=[(b"accept-encoding", encoding.encode())])
    assert first["header_map"]["content-encoding"] == encoding
    etag = first["header_map"]["etag"].encode()
    again = asgi_get("/", headers=[(b"accept-encoding", encoding.encode()), (b"if-none-match", etag)])
    assert again["status"] == 304
    assert again["body"] == b""
