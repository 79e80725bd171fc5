"""Statement parsers: each reads one format into `records.StatementRecord`s; none writes."""
