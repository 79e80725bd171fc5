"""URLs of payments (filled in by its issue)."""

urlpatterns: list = []
