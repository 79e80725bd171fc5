# The Collections Workbench image: one image for web, worker, beat and the migrate step.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/var/lib/workbench \
    PYTHONPATH=/app

WORKDIR /app
COPY pyproject.toml README.md ./
COPY collections_app ./collections_app
COPY core ./core
COPY portfolios ./portfolios
COPY ledger ./ledger
COPY work ./work
COPY reminders ./reminders
COPY erp ./erp
COPY reporting ./reporting
COPY portal ./portal
COPY accounts ./accounts
COPY team ./team
COPY devtools ./devtools
RUN pip install .
COPY manage.py Procfile ./
COPY templates ./templates
COPY static ./static

# Static files are collected at build time; WhiteNoise serves them (compressed, with hashed names).
RUN DEBUG=0 SECRET_KEY=build-only-not-used-at-run-time ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
    && useradd --system --home-dir /app workbench \
    && mkdir -p "$VAR_DIR" && chown workbench "$VAR_DIR"
USER workbench

EXPOSE 8000
CMD ["gunicorn", "collections_app.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", \
     "--access-logfile", "-"]
