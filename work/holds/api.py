"""The ERP's side of credit hold.

`GET /api/credit-hold-events/?after=<id>` is a cursor over the hold / release events in id order:
the ERP keeps the `next_after` of each answer and asks again with it, so it sees every event once,
even if it was down for a week. `POST /api/customers/<id>/credit-hold/` holds or releases an
account (the ERP's own credit desk, or a manager's script). The current state is also on
`/api/customers/` (`credit_hold`, `credit_hold_reason`, `credit_hold_since`, filter `?credit_hold=true`).
"""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_paging import AfterIdPagination
from ledger.api import ApiFilterSet
from ledger.selectors import api_customers
from portfolios import access
from portfolios.access import RolePermission, api_scoped
from work.holds import services
from work.holds.models import CreditHoldEvent


class CreditHoldEventSerializer(serializers.ModelSerializer):
    customer_external_id = serializers.CharField(source="customer.external_id", read_only=True)
    currency = serializers.CharField(source="customer.currency", read_only=True)
    rule = serializers.CharField(source="rule.name", read_only=True, allow_null=True)
    by = serializers.CharField(source="by.username", read_only=True, allow_null=True)

    class Meta:
        model = CreditHoldEvent
        fields = ["id", "customer", "customer_external_id", "action", "source", "rule", "reason", "balance",
                  "currency", "by", "created_at"]
        read_only_fields = fields


class CreditHoldEventFilter(ApiFilterSet):
    class Meta:
        model = CreditHoldEvent
        fields = {"customer": ["exact"], "customer__external_id": ["exact"], "action": ["exact"]}


class CreditHoldEventList(generics.ListAPIView):
    """Credit hold and release events in id order, for an ERP to poll: keep `next_after` and pass it
    as `after` next time. Collectors see their portfolio's events; the rest of the team and
    integrations see all."""

    serializer_class = CreditHoldEventSerializer
    permission_classes = [RolePermission]
    pagination_class = AfterIdPagination
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = CreditHoldEventFilter

    def get_queryset(self):
        events = CreditHoldEvent.objects.select_related("customer", "rule", "by").order_by("pk")
        return api_scoped(events, self.request.user)


class CreditHoldInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=CreditHoldEvent.Action.choices)
    reason = serializers.CharField(max_length=200)
    exempt_until = serializers.DateField(required=False, allow_null=True,
                                         help_text="On a release: the hold rules leave the account alone until then.")

    def validate(self, data):
        if data["action"] == CreditHoldEvent.Action.HOLD and data.get("exempt_until"):
            raise ValidationError({"exempt_until": "Only a release takes an exemption date."})
        return data


class CustomerCreditHold(APIView):
    """Put a customer on credit hold or release it, with a reason. Collectors may hold their own
    accounts; releasing is for managers, admins and integrations; finance reads only."""

    permission_classes = [RolePermission]

    @extend_schema(
        request=CreditHoldInput, responses={201: CreditHoldEventSerializer},
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    )
    def post(self, request, pk: int):
        customer = get_object_or_404(api_customers(request.user), pk=pk)
        payload = CreditHoldInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            if data["action"] == CreditHoldEvent.Action.HOLD:
                event = services.credit_hold_place(customer=customer, reason=data["reason"], by=request.user,
                                                   source=CreditHoldEvent.Source.API)
            else:
                if not access.may_release(request.user):
                    raise PermissionDenied("Only managers and integrations release a credit hold.")
                event = services.credit_hold_release(customer=customer, reason=data["reason"], by=request.user,
                                                     exempt_until=data.get("exempt_until"),
                                                     source=CreditHoldEvent.Source.API)
        except services.CreditHoldError as error:
            raise ValidationError({"detail": error.messages}) from None
        event = CreditHoldEvent.objects.select_related("customer", "rule", "by").get(pk=event.pk)
        return Response(CreditHoldEventSerializer(event).data, status=status.HTTP_201_CREATED)
