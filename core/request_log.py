"""Filters for Django's request log (wired in settings.LOGGING)."""

import logging


class RefusalWithoutTraceback(logging.Filter):
    """A 403 is a rule doing its job (portfolios.access said no), not a fault: Django's django.request
    logger writes it at WARNING with the PermissionDenied traceback, twenty lines each time. Keep the
    one line ("Forbidden (Permission denied): /path"), drop the traceback; other records pass untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
