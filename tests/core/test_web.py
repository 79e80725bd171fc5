import pytest
from django.test import RequestFactory

from core.web import safe_next_url


@pytest.mark.parametrize("target", ["/\\evil.example", "//evil.example", "https://evil.example/", "javascript:alert(1)",
                                    "/\\/evil.example", "\\\\evil.example"])
def test_next_that_leaves_the_site_falls_back(target):
    request = RequestFactory().post("/queue/x/", {"next": target})
    assert safe_next_url(request, "/queue/") == "/queue/"


def test_next_on_this_site_is_followed():
    request = RequestFactory().post("/queue/x/", {"next": "/accounts/12/?tab=timeline"})
    assert safe_next_url(request, "/queue/") == "/accounts/12/?tab=timeline"


@pytest.mark.django_db
def test_queue_form_with_a_foreign_next_goes_back_to_the_queue(client, django_user_model):
    from django.contrib.auth.models import Group

    from portfolios.models import Role

    manager = django_user_model.objects.create_user("m", password="x")
    manager.groups.add(Group.objects.get_or_create(name=Role.MANAGER)[0])
    client.force_login(manager)
    from tests.factories import CustomerFactory, InvoiceFactory
    from work.services import dispute_open

    customer = CustomerFactory()
    dispute = dispute_open(customer=customer, invoices=[InvoiceFactory(customer=customer)], amount="10.00",
                           root_cause="pricing")
    response = client.post(f"/queue/disputes/{dispute.pk}/update/", {"note": "called", "next": "/\\evil.example"})
    assert response.status_code == 302 and "evil" not in response["Location"]
