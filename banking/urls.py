"""URLs of banking (filled in by its issue)."""

urlpatterns: list = []
