"""The aging buckets: the one definition every report, page, export and statement uses.

Days past due on a date: 0 or less is current; then 1–30, 31–60, 61–90 and 91+ (METRICS.md).
"""

BUCKETS = ("current", "1-30", "31-60", "61-90", "91+")
BUCKET_LABELS = {"current": "Current", "1-30": "1–30", "31-60": "31–60", "61-90": "61–90", "91+": "91+"}
# (name, lowest days past due, highest days past due); None is open-ended.
BUCKET_BOUNDS = (("current", None, 0), ("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("91+", 91, None))


def bucket_of(days_past_due: int) -> str:
    """The bucket of one invoice that is `days_past_due` days past due."""
    for name, low, high in BUCKET_BOUNDS:
        if (low is None or days_past_due >= low) and (high is None or days_past_due <= high):
            return name
    raise AssertionError("the bounds cover every whole number")  # pragma: no cover
