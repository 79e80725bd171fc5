"""Content-Security-Policy: every page carries the header, and no page has an inline script or an
on…= handler left for the policy to block (they live in static/js/)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from portal.links import portal_token_for
from tests.factories import ContactFactory, CustomerFactory, PortfolioFactory, collector, manager, past_due_invoice

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
# A <script> without src that the browser runs (json_script's data blocks are not run: allowed).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def assert_no_inline_code(html: str, where: str) -> None:
    assert not INLINE_SCRIPT.search(html), f"inline <script> on {where}: {INLINE_SCRIPT.search(html).group(0)}"
    assert not HANDLER.search(html), f"on…= handler on {where}: {HANDLER.search(html).group(0)[:120]}"
    assert not STYLE_ATTRIBUTE.search(html), f"style attribute on {where}: {STYLE_ATTRIBUTE.search(html).group(0)}"


def test_the_policy_allows_only_our_own_scripts_and_styles(client):
    response = client.get(reverse("login"))
    policy = directives(response)
    assert policy["default-src"] == "default-src 'self'"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["img-src"] == "img-src 'self' data:"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["form-action"] == "form-action 'self'"
    assert "unsafe" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")
                                        if "email" not in p.parts))
def test_no_template_has_an_inline_script_or_handler(path):
    assert_no_inline_code((TEMPLATES / path).read_text(), path)


def test_htmx_may_not_eval(client):
    html = client.get(reverse("login")).content.decode()
    assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html


@pytest.fixture
def book():
    alice = collector("alice_csp")
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=alice))
    ContactFactory(customer=customer)
    past_due_invoice(customer, "500.00", days=20)
    past_due_invoice(customer, "300.00", days=45)
    return {"alice": alice, "boss": manager("boss_csp"), "customer": customer}


def test_main_pages_carry_the_header_and_no_inline_code(client, book):
    client.force_login(book["boss"])
    pk = book["customer"].pk
    for name, args in [("queue", []), ("accounts", []), ("account", [pk]), ("team", []), ("reports", []),
                       ("reports_aging", []), ("reports_dso", []), ("forecast", []), ("root_causes", []),
                       ("e_delivery", []), ("team_help", []), ("team_targets", []), ("outbox", []),
                       ("import_ar", [])]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        assert "script-src 'self'" in response["Content-Security-Policy"], name
        assert_no_inline_code(response.content.decode(), name)


def test_the_portal_carries_the_header_and_no_inline_code(client, book):
    response = client.get(reverse("portal_home", args=[portal_token_for(book["customer"])]))
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert_no_inline_code(response.content.decode(), "portal")
