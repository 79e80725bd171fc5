"""Collection work through the API: read activities, promises and disputes; create them through
`work_services`, exactly as a collector would in the workspace."""

from decimal import Decimal

from django.core.exceptions import ValidationError as RefusedByService
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.money import MONEY
from ledger.api import UTC_DATETIMES, ApiFilterSet
from ledger.models import Contact, Customer, Invoice
from ledger.selectors import api_customers
from portfolios.access import RolePermission, api_scoped
from work.models import Activity, Dispute, PromiseToPay
from work.services import activity_log, dispute_open, promise_record

# Kinds a person or an ERP logs; portal visits and system messages are the system's own.
LOGGABLE_KINDS = [
    (value, label) for value, label in Activity.Kind.choices
    if value not in (Activity.Kind.PORTAL_VISIT, Activity.Kind.SYSTEM)
]


class ActivitySerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True, allow_null=True)

    class Meta:
        model = Activity
        fields = ["id", "customer", "kind", "outcome", "contact", "invoices", "subject", "notes", "next_action_on",
                  "occurred_at", "by"]


class PromiseSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True, allow_null=True)

    class Meta:
        model = PromiseToPay
        fields = ["id", "customer", "invoices", "amount", "pay_by", "source", "status", "amount_paid", "settled_on",
                  "note", "by", "created_at"]


class DisputeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dispute
        fields = ["id", "customer", "invoices", "amount", "root_cause", "owner", "status", "resolution",
                  "description", "opened_on", "resolved_on", "last_update_at", "source"]


class _WorkInput(serializers.Serializer):
    """Customer and invoices narrowed to what the caller may see; invoices must be the customer's."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    invoices = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.none(), many=True, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # the schema generator looks at the fields without a request
            return
        self.fields["customer"].queryset = api_customers(request.user)
        self.fields["invoices"].child_relation.queryset = api_scoped(Invoice.objects.all(), request.user)

    def validate(self, data):
        customer, invoices = data["customer"], data.get("invoices", [])
        if any(invoice.customer_id != customer.pk for invoice in invoices):
            raise serializers.ValidationError({"invoices": "Every invoice must belong to the customer."})
        return data


class ActivityInput(_WorkInput):
    kind = serializers.ChoiceField(choices=LOGGABLE_KINDS)
    outcome = serializers.ChoiceField(choices=Activity.Outcome.choices, required=False, default="")
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.none(), required=False, allow_null=True)
    subject = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    notes = serializers.CharField(max_length=10000, required=False, default="", allow_blank=True)
    next_action_on = serializers.DateField(required=False, allow_null=True)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "request" in self.context:
            self.fields["contact"].queryset = api_scoped(Contact.objects.all(), self.context["request"].user)

    def validate(self, data):
        data = super().validate(data)
        contact = data.get("contact")
        if contact is not None and contact.customer_id != data["customer"].pk:
            raise serializers.ValidationError({"contact": "The contact must belong to the customer."})
        return data


def _open_total(invoices) -> Decimal:
    return sum((invoice.open_amount for invoice in invoices if invoice.is_open), Decimal("0.00"))


class PromiseInput(_WorkInput):
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))
    pay_by = serializers.DateField()
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)

    def validate_pay_by(self, pay_by):
        if pay_by < timezone.localdate():
            raise serializers.ValidationError("A promise to pay is for today or a later date.")
        return pay_by

    def validate(self, data):
        data = super().validate(data)
        invoices = data.get("invoices", [])
        if invoices and data["amount"] > _open_total(invoices):
            raise serializers.ValidationError({"amount": f"Only {_open_total(invoices)} is open on these invoices."})
        return data


class DisputeInput(_WorkInput):
    invoices = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.none(), many=True, allow_empty=False)
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"), required=False)
    root_cause = serializers.ChoiceField(choices=Dispute.RootCause.choices)
    owner = serializers.ChoiceField(choices=Dispute.Owner.choices, required=False, default=Dispute.Owner.BILLING)
    description = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)

    def validate(self, data):
        data = super().validate(data)
        open_total = _open_total(data["invoices"])
        if open_total <= 0:
            raise serializers.ValidationError({"invoices": "Only open invoices can be disputed."})
        data.setdefault("amount", open_total)
        if data["amount"] > open_total:
            raise serializers.ValidationError({"amount": f"Only {open_total} is open on these invoices."})
        return data


class ActivityFilter(ApiFilterSet):
    class Meta:
        model = Activity
        filter_overrides = UTC_DATETIMES
        fields = {"customer": ["exact"], "customer__external_id": ["exact"], "kind": ["exact"],
                  "outcome": ["exact"], "occurred_at": ["gte", "lte"]}


class PromiseFilter(ApiFilterSet):
    class Meta:
        model = PromiseToPay
        filter_overrides = UTC_DATETIMES
        fields = {"customer": ["exact"], "customer__external_id": ["exact"], "status": ["exact"],
                  "source": ["exact"], "pay_by": ["gte", "lte"], "created_at": ["gte", "lte"]}


class DisputeFilter(ApiFilterSet):
    class Meta:
        model = Dispute
        fields = {"customer": ["exact"], "customer__external_id": ["exact"], "status": ["exact"],
                  "root_cause": ["exact"], "owner": ["exact"], "source": ["exact"], "opened_on": ["gte", "lte"]}


class _WorkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   viewsets.GenericViewSet):
    permission_classes = [RolePermission]
    input_class = None

    def _created(self, request, write):
        """Create through the service; what the service refuses (an amount above what is open, a date
        beyond the horizon, an invoice already promised) is a 400 with its message."""
        payload = self.input_class(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        try:
            obj = write(payload.validated_data)
        except RefusedByService as error:
            raise serializers.ValidationError({"non_field_errors": error.messages}) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data, status=status.HTTP_201_CREATED)


class ActivityViewSet(_WorkViewSet):
    serializer_class = ActivitySerializer
    input_class = ActivityInput
    filterset_class = ActivityFilter
    ordering_fields = ["occurred_at", "customer"]
    ordering = ["-occurred_at", "-id"]

    def get_queryset(self):
        return api_scoped(Activity.objects.select_related("by").prefetch_related("invoices"), self.request.user)

    @extend_schema(request=ActivityInput, responses={201: ActivitySerializer})
    def create(self, request, *args, **kwargs):
        return self._created(request, lambda data: activity_log(by=request.user, **data))


class PromiseViewSet(_WorkViewSet):
    serializer_class = PromiseSerializer
    input_class = PromiseInput
    filterset_class = PromiseFilter
    ordering_fields = ["pay_by", "created_at", "amount"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return api_scoped(PromiseToPay.objects.select_related("by").prefetch_related("invoices"), self.request.user)

    @extend_schema(request=PromiseInput, responses={201: PromiseSerializer})
    def create(self, request, *args, **kwargs):
        return self._created(request, lambda data: promise_record(by=request.user, **data))


class DisputeViewSet(_WorkViewSet):
    serializer_class = DisputeSerializer
    input_class = DisputeInput
    filterset_class = DisputeFilter
    ordering_fields = ["opened_on", "amount", "last_update_at"]
    ordering = ["-opened_on", "-id"]

    def get_queryset(self):
        return api_scoped(Dispute.objects.prefetch_related("invoices"), self.request.user)

    @extend_schema(request=DisputeInput, responses={201: DisputeSerializer})
    def create(self, request, *args, **kwargs):
        return self._created(request, lambda data: dispute_open(by=request.user, source="api", **data))
