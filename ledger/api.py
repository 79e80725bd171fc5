"""Read-only ledger endpoints: money changes only through services and the bulk import."""

from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.pagination import PageNumberPagination

from core.api_paging import DEFAULT_LIMIT, MAX_LIMIT, AfterIdPagination
from core.money import ZERO
from ledger.models import Application, Contact, CreditNote, Customer, Invoice, Payment
from ledger.selectors import api_customers
from portfolios.access import RolePermission, api_scoped

MONEY = DecimalField(max_digits=14, decimal_places=2)


class CustomerSerializer(serializers.ModelSerializer):
    parent_external_id = serializers.CharField(source="parent.external_id", read_only=True, allow_null=True)
    collector = serializers.CharField(source="portfolio.collector.username", read_only=True, allow_null=True)
    open_balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id", "external_id", "name", "parent", "parent_external_id", "email", "phone", "payment_terms_days",
            "credit_limit", "currency", "segment", "status", "hold_reason", "portfolio", "collector",
            "open_balance", "follow_up_on", "credit_hold", "credit_hold_reason", "credit_hold_since", "e_delivery",
            "created_at", "updated_at",
        ]


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "customer", "name", "role", "email", "phone", "is_primary", "receives_statements",
                  "email_bounced_at", "active"]


class InvoiceSerializer(serializers.ModelSerializer):
    customer_external_id = serializers.CharField(source="customer.external_id", read_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "external_id", "document_type", "charge_for", "customer", "customer_external_id",
                  "issue_date", "due_date", "amount",
                  "currency", "po_number", "open_amount", "status", "closed_on", "approval_requested_on", "sent_at",
                  "opened_at", "voided_at", "void_reason", "created_at", "updated_at"]
        # A fee or interest charge (document_type late_fee / interest, charge_for = the invoice it was
        # charged on) is only ever issued by approving a proposal, never written through the API.
        read_only_fields = ["document_type", "charge_for"]


class PaymentSerializer(serializers.ModelSerializer):
    customer_external_id = serializers.CharField(source="customer.external_id", read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "external_id", "customer", "customer_external_id", "received_date", "amount", "currency",
                  "reference", "source", "erp_external_id", "unapplied_amount", "status", "reversed_at",
                  "reversal_reason", "created_at"]


class CreditNoteSerializer(serializers.ModelSerializer):
    customer_external_id = serializers.CharField(source="customer.external_id", read_only=True)

    class Meta:
        model = CreditNote
        fields = ["id", "external_id", "customer", "customer_external_id", "issue_date", "amount", "currency",
                  "reason", "unapplied_amount", "created_at"]


class ApplicationSerializer(serializers.ModelSerializer):
    invoice_external_id = serializers.CharField(source="invoice.external_id", read_only=True)

    class Meta:
        model = Application
        fields = ["id", "invoice", "invoice_external_id", "payment", "credit_note", "amount", "applied_on",
                  "reverses", "created_at"]


class _UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """Python accepts UTC offsets up to ±23:59, PostgreSQL only ±15:59: compare in UTC."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and value.tzinfo is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                raise ValidationError("Date and time out of range.") from None
        return value


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _UtcIsoDateTimeField


UTC_DATETIMES = {models.DateTimeField: {"filter_class": UtcIsoDateTimeFilter}}


class _IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """A related row by its id. An id that is unknown and one of a portfolio the caller cannot see
    answer alike (an empty list), so the API does not tell which ids exist; a value that is not an
    id is a 400; an empty value (`?customer=`) is ignored, as every empty filter is."""

    field_class = _IdField


class ApiFilterSet(django_filters.FilterSet):
    """The API's filters: related rows by id (IdFilter), date-times compared in UTC."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        **UTC_DATETIMES,
    }


class CustomerFilter(ApiFilterSet):
    class Meta:
        model = Customer
        filter_overrides = UTC_DATETIMES
        fields = {"external_id": ["exact"], "name": ["icontains"], "status": ["exact"], "segment": ["exact"],
                  "currency": ["exact"], "parent": ["exact"], "portfolio": ["exact"], "updated_at": ["gte", "lte"],
                  "credit_hold": ["exact"]}


class ContactFilter(ApiFilterSet):
    class Meta:
        model = Contact
        fields = {"customer": ["exact"], "customer__external_id": ["exact"], "role": ["exact"], "active": ["exact"]}


class InvoiceFilter(ApiFilterSet):
    class Meta:
        model = Invoice
        filter_overrides = UTC_DATETIMES
        fields = {"external_id": ["exact"], "customer": ["exact"], "customer__external_id": ["exact"],
                  "status": ["exact"], "currency": ["exact"], "due_date": ["gte", "lte"],
                  "issue_date": ["gte", "lte"], "updated_at": ["gte", "lte"]}


class PaymentFilter(ApiFilterSet):
    class Meta:
        model = Payment
        fields = {"external_id": ["exact"], "customer": ["exact"], "customer__external_id": ["exact"],
                  "status": ["exact"], "received_date": ["gte", "lte"], "source": ["exact"]}


class CreditNoteFilter(ApiFilterSet):
    class Meta:
        model = CreditNote
        fields = {"external_id": ["exact"], "customer": ["exact"], "customer__external_id": ["exact"],
                  "issue_date": ["gte", "lte"]}


class ApplicationFilter(ApiFilterSet):
    class Meta:
        model = Application
        fields = {"invoice": ["exact"], "payment": ["exact"], "credit_note": ["exact"],
                  "applied_on": ["gte", "lte"]}


class CustomerViewSet(viewsets.ReadOnlyModelViewSet):
    """Customers of the caller's portfolio (collectors) or of the whole book, with their open balance."""

    serializer_class = CustomerSerializer
    permission_classes = [RolePermission]
    filterset_class = CustomerFilter
    ordering_fields = ["name", "external_id", "created_at", "updated_at", "open_balance"]
    ordering = ["name", "id"]

    def get_queryset(self):
        open_sum = Sum("invoices__open_amount", filter=Q(invoices__status=Invoice.Status.OPEN))
        return api_customers(self.request.user).select_related("parent", "portfolio__collector").annotate(
            open_balance=Coalesce(open_sum, Value(ZERO), output_field=MONEY)
        )


class ContactViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ContactSerializer
    permission_classes = [RolePermission]
    filterset_class = ContactFilter
    ordering_fields = ["name", "customer"]
    ordering = ["customer", "name", "id"]

    def get_queryset(self):
        return api_scoped(Contact.objects.all(), self.request.user)


class InvoicePages(PageNumberPagination):
    """Page numbers as before, with `page_size` (≤ MAX_LIMIT) honoured."""

    page_size_query_param = "page_size"
    max_page_size = MAX_LIMIT


class InvoiceKeyset(AfterIdPagination):
    """`?after=<id>` (0 to start; `next_after` from the last answer) and `page_size` (or `limit`):
    the next invoices in the list's own order (due date, then id), read from the index on that
    order, so the 4,000th page costs what the first does (page numbers make PostgreSQL count and
    skip every row before it; on a large book the sort spilled ~70 MB to disk)."""

    def paginate_queryset(self, queryset, request, view=None):
        if request.query_params.get("ordering"):
            raise DRFValidationError({"ordering": "With after=, the list is in due date then id order; "
                                                  "use page numbers for another order."})
        self.after = self._int_param(request, "after", 0, 0)
        limit = self._int_param(request, "page_size", 0, 1, MAX_LIMIT) or self._int_param(
            request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        rows = queryset.order_by("due_date", "id")
        if self.after:
            # Among the invoices the caller may read, whatever the filters (the last one seen may have
            # been paid since a `status=open` page).
            visible = view.get_queryset() if view is not None else queryset
            seen = visible.filter(pk=self.after).order_by().values_list("due_date", flat=True).first()
            if seen is None:
                raise DRFValidationError({"after": "No invoice of yours has this id; start again with after=0."})
            rows = rows.filter(Q(due_date__gt=seen) | Q(due_date=seen, id__gt=self.after))
        page = list(rows[: limit + 1])
        self.has_more = len(page) > limit
        page = page[:limit]
        self.next_after = page[-1].pk if page else self.after
        return page

    def get_schema_operation_parameters(self, view):
        return [*super().get_schema_operation_parameters(view), {
            "name": "page_size", "in": "query", "required": False,
            "description": f"Invoices per answer (≤ {MAX_LIMIT}); `limit` is the same.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}}]


class InvoiceViewSet(viewsets.ReadOnlyModelViewSet):
    """Invoices on the ledger, by due date then id. `?page=` and `page_size` page through them; with
    `after=<id>` (0 to start) the list is a keyset cursor in that order (`next_after`, `has_more`),
    which stays as fast on the last page as on the first and never skips or repeats an invoice."""

    serializer_class = InvoiceSerializer
    permission_classes = [RolePermission]
    filterset_class = InvoiceFilter
    ordering_fields = ["due_date", "issue_date", "amount", "open_amount", "external_id", "updated_at"]
    ordering = ["due_date", "id"]

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            cursor = self.action == "list" and "after" in self.request.query_params
            self._paginator = InvoiceKeyset() if cursor else InvoicePages()
        return self._paginator

    def get_queryset(self):
        return api_scoped(Invoice.objects.select_related("customer"), self.request.user)


class PaymentViewSet(viewsets.ReadOnlyModelViewSet):
    """Payments on the ledger. With `after=<id>` the list is a cursor in id order (`next_after`,
    `has_more`): `?source=online&after=0` and `?source=bank&after=0` are how the ERP pulls the
    payments taken here, by our `external_id` and `reference`, each once."""

    serializer_class = PaymentSerializer
    permission_classes = [RolePermission]
    filterset_class = PaymentFilter
    ordering_fields = ["received_date", "amount", "external_id"]
    ordering = ["-received_date", "id"]

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            cursor = self.action == "list" and "after" in self.request.query_params
            self._paginator = AfterIdPagination() if cursor else super().paginator
        return self._paginator

    def get_queryset(self):
        return api_scoped(Payment.objects.select_related("customer"), self.request.user)


class CreditNoteViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CreditNoteSerializer
    permission_classes = [RolePermission]
    filterset_class = CreditNoteFilter
    ordering_fields = ["issue_date", "amount", "external_id"]
    ordering = ["-issue_date", "id"]

    def get_queryset(self):
        return api_scoped(CreditNote.objects.select_related("customer"), self.request.user)


class ApplicationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ApplicationSerializer
    permission_classes = [RolePermission]
    filterset_class = ApplicationFilter
    ordering_fields = ["applied_on", "amount"]
    ordering = ["applied_on", "id"]

    def get_queryset(self):
        return api_scoped(Application.objects.select_related("invoice"), self.request.user, "invoice__customer")
