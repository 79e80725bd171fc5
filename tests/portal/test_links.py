import time
from unittest import mock

import pytest
from django.core import signing

from portal.links import (
    SALT,
    ExpiredLink,
    RevokedLink,
    TamperedLink,
    portal_link_check,
    portal_token_for,
    portal_url_for,
)
from portal.services import portal_access_revoke
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_link_shows_only_its_customer():
    customer = CustomerFactory()
    link = portal_link_check(portal_token_for(customer))
    assert link.customer == customer
    assert link.customer_ids == (customer.pk,)


def test_family_link_on_the_parent_shows_the_family_but_a_plain_link_does_not():
    parent = CustomerFactory()
    child = CustomerFactory(parent=parent)
    CustomerFactory()  # a stranger
    assert set(portal_link_check(portal_token_for(parent, family=True)).customer_ids) == {parent.pk, child.pk}
    assert portal_link_check(portal_token_for(parent)).customer_ids == (parent.pk,)
    # A family link issued for a child does not reach its parent or siblings.
    assert portal_link_check(portal_token_for(child, family=True)).customer_ids == (child.pk,)


def test_url_is_absolute_and_routes_to_the_portal(settings):
    settings.SITE_URL = "https://ar.example.com"
    url = portal_url_for(CustomerFactory())
    assert url.startswith("https://ar.example.com/portal/")


def test_tampered_token_is_refused():
    token = portal_token_for(CustomerFactory())
    with pytest.raises(TamperedLink):
        portal_link_check(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(TamperedLink):
        portal_link_check("not-a-token")


def test_token_signed_for_another_customer_id_cannot_be_forged():
    a, b = CustomerFactory(), CustomerFactory()
    payload = signing.loads(portal_token_for(a), salt=SALT)
    payload["c"] = b.pk
    forged = signing.dumps(payload, salt=SALT, key="some-other-secret")
    with pytest.raises(TamperedLink):
        portal_link_check(forged)


def test_token_expires_after_its_max_age():
    token = portal_token_for(CustomerFactory(), max_age_days=2)
    portal_link_check(token)
    with mock.patch("portal.links.time.time", return_value=time.time() + 3 * 86400):
        with pytest.raises(ExpiredLink) as caught:
            portal_link_check(token)
    assert caught.value.status == 410


def test_revoking_kills_old_links_and_new_links_work():
    customer = CustomerFactory()
    old = portal_token_for(customer)
    portal_access_revoke(customer=customer, reason="contact left the company")
    with pytest.raises(RevokedLink):
        portal_link_check(old)
    assert portal_link_check(portal_token_for(customer)).customer == customer


def test_revoking_one_customer_leaves_others_alone():
    a, b = CustomerFactory(), CustomerFactory()
    token_b = portal_token_for(b)
    portal_access_revoke(customer=a)
    assert portal_link_check(token_b).customer == b


def test_max_age_is_bounded():
    with pytest.raises(ValueError):
        portal_token_for(CustomerFactory(), max_age_days=0)
    with pytest.raises(ValueError):
        portal_token_for(CustomerFactory(), max_age_days=5000)


def test_admin_action_revokes_the_links_of_the_selected_customers(client):
    from django.contrib.auth.models import User
    from django.urls import reverse

    from portal.models import PortalAccess

    admin_user = User.objects.create_superuser("portal_admin", "pa@example.com", "demo-pass-123")
    customer, other = CustomerFactory(), CustomerFactory()
    token, other_token = portal_token_for(customer), portal_token_for(other)
    # Issuing a link writes nothing; the admin lists the customers whose access was recorded.
    assert not PortalAccess.objects.exists()
    PortalAccess.objects.create(customer=customer)
    client.force_login(admin_user)
    response = client.post(reverse("admin:portal_portalaccess_changelist"), {
        "action": "revoke_links", "_selected_action": [PortalAccess.objects.get(customer=customer).pk],
    })
    assert response.status_code == 302
    with pytest.raises(RevokedLink):
        portal_link_check(token)
    assert portal_link_check(other_token).customer == other
    assert PortalAccess.objects.get(customer=customer).revoked_by == admin_user
