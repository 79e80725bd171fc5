"""Duplicates and discrepancies: flagged at import, worked in a worklist (docs/discrepancies.md)."""
