"""URLs of cashapp (filled in by its issue)."""

urlpatterns: list = []
