"""Autopay has no pages of its own: the customer's are in the portal (portal.autopay_urls), the
collector's panel is on the account workspace (accounts.autopay)."""

urlpatterns: list = []
