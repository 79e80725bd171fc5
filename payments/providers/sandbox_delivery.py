"""How the sandbox hands its events to our webhook: an HTTP POST, as Stripe does.

A Celery worker (`make run`) posts to SITE_URL's webhook with `requests`, retrying with backoff
while the web server is down or answers 5xx, like Stripe. Run eagerly (the tests, or a setup
without a worker), the task posts through Django's in-process client instead: the same URL, view,
middleware and signature check, without a network.
"""

import logging

import requests
from celery import Task, shared_task
from django.conf import settings
from django.test import Client
from django.urls import reverse

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    pass


@shared_task(bind=True, name="payments.sandbox_deliver", autoretry_for=(requests.RequestException, DeliveryFailed),
             retry_backoff=True, retry_backoff_max=600, max_retries=10)
def deliver(self: Task, body: str, signature_header: str) -> int:
    """POST one signed event; 2xx and 4xx are final (a 400 is our webhook refusing it)."""
    path = reverse("payments_webhook", args=["sandbox"])
    if self.request.is_eager:
        status = Client().post(path, data=body, content_type="application/json",
                               headers={"Stripe-Signature": signature_header}).status_code
    else:
        status = requests.post(f"{settings.SITE_URL}{path}", data=body.encode(), timeout=15, headers={
            "Content-Type": "application/json", "Stripe-Signature": signature_header}).status_code
    if status >= 500:
        raise DeliveryFailed(f"the webhook answered {status}")
    if status >= 400:
        log.warning("Sandbox event refused by our webhook (%s): %s", status, body[:200])
    return status
