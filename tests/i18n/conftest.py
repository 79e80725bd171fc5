"""The portal's and autopay's fixtures, for the same pages and documents in other languages."""

from tests.autopay.conftest import _sandbox, commit  # noqa: F401
from tests.portal.conftest import _fast_passwords, _fresh_rate_limits  # noqa: F401
