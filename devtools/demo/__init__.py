"""The demo book: deterministic, realistic years (two by default) of accounts receivable and collection work.

`manage.py seed_demo` calls `book.seed`; `people.DEMO_LOGINS` is what `manage.py demo_logins` prints.
"""
