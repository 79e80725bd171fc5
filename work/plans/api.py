"""Payment plans through the API, read-only: plans are agreed in the workspace, the queue or the
portal (`work.plans.services`); an ERP reads them with their installments."""

from rest_framework import mixins, serializers, viewsets

from ledger.api import UTC_DATETIMES, ApiFilterSet
from portfolios.access import RolePermission, api_scoped
from work.plans.models import PaymentPlan, PlanInstallment


class InstallmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanInstallment
        fields = ["number", "due_on", "amount", "amount_paid", "status", "settled_on", "missed_on"]


class PaymentPlanSerializer(serializers.ModelSerializer):
    installments = InstallmentSerializer(many=True, read_only=True)
    by = serializers.CharField(source="by.username", read_only=True, allow_null=True)

    class Meta:
        model = PaymentPlan
        fields = ["id", "customer", "invoices", "total_amount", "currency", "status", "source", "starts_on",
                  "replaces", "note", "ended_on", "end_reason", "by", "created_at", "installments"]


class PaymentPlanFilter(ApiFilterSet):
    class Meta:
        model = PaymentPlan
        filter_overrides = UTC_DATETIMES
        fields = {"customer": ["exact"], "customer__external_id": ["exact"], "status": ["exact"],
                  "source": ["exact"], "created_at": ["gte", "lte"]}


class PaymentPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PaymentPlanSerializer
    permission_classes = [RolePermission]
    filterset_class = PaymentPlanFilter
    ordering_fields = ["created_at", "total_amount"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return api_scoped(PaymentPlan.objects.select_related("by").prefetch_related("invoices", "installments"),
                      self.request.user)
