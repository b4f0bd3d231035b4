"""App config of the accounts island: sign-up, log-in, password reset and e-mail verification.

django-allauth does the work (its views, forms, e-mail confirmation and rate limits); this island
gives its pages the site's layout and Vietnamese/English texts, and its settings live in
cryptodash/settings.py under "Accounts".
"""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "islands.accounts"
    label = "accounts"
    verbose_name = "Accounts"
