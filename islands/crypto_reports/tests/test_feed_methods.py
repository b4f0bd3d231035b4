"""The feed and the sitemap are read-only: an unsafe method gets 405 even under CSRF checks."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/rss.xml", "/sitemap.xml"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_an_unsafe_method_on_the_feed_or_sitemap_is_a_405(path, method):
    response = Client(enforce_csrf_checks=True).generic(method, path)
    assert response.status_code == 405
    assert "GET" in response["Allow"]
