"""The REST API for ERPs and integrations (mounted at /api/ by collections_app/api_urls.py).

- `access.py`: who sees which rows and who may write (per object, through the querysets);
- `ledger.py`: read-only customers, contacts, invoices, payments, credit notes, applications;
- `work.py`: activities, promises and disputes, created through `work_services`;
- `bulk.py`: all-or-nothing upserts through the import engine;
- `docs.py`: the OpenAPI schema and the Swagger UI page served from our own static files.
"""
