"""Routes of the alerts island."""

app_name = "alerts"

urlpatterns: list = []
