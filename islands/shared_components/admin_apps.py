"""Django's admin app with the site's own AdminSite (islands/shared_components/admin_site.py).

Listed in INSTALLED_APPS instead of "django.contrib.admin". Kept apart from the site module
because app configs are imported before models are ready, and the site's login form needs them.
"""

from django.contrib.admin.apps import AdminConfig


class CryptodashAdminConfig(AdminConfig):
    default_site = "islands.shared_components.admin_site.CryptodashAdminSite"
