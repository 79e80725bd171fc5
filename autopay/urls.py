"""URLs of autopay (filled in by its issue)."""

urlpatterns: list = []
