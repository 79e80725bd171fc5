"""GET /api/inbound-emails/ (and /<id>/): the mail customers sent us, read-only, scoped like the rest
of the API (a collector sees their portfolio's accounts' mail; unmatched mail, in the AR inbox, is
seen by those who see the whole book). Page numbers, or `after=<id>` for a cursor in id order."""

from django.urls import path
from rest_framework import serializers, viewsets

from core.api_paging import AfterIdPagination
from inbox.models import InboundAttachment, InboundEmail
from ledger.api import ApiFilterSet
from portfolios.access import RolePermission, api_scoped


class InboundAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = InboundAttachment
        fields = ["id", "filename", "content_type", "size", "skipped"]
        read_only_fields = fields


class InboundEmailSerializer(serializers.ModelSerializer):
    customer_external_id = serializers.CharField(source="customer.external_id", read_only=True, allow_null=True)
    attachments = InboundAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = InboundEmail
        fields = ["id", "message_id", "source", "customer", "customer_external_id", "contact", "matched_by",
                  "answers", "in_reply_to", "from_address", "from_name", "to_address", "subject", "received_at",
                  "classification", "classification_reason", "proposed_promise_date", "proposed_root_cause",
                  "status", "handled_at", "size", "reply_text", "attachments", "created_at"]
        read_only_fields = fields


class InboundEmailFilter(ApiFilterSet):
    class Meta:
        model = InboundEmail
        fields = {"customer": ["exact", "isnull"], "customer__external_id": ["exact"], "matched_by": ["exact"],
                  "classification": ["exact"], "status": ["exact"], "source": ["exact"], "in_reply_to": ["exact"],
                  "answers": ["exact"], "received_at": ["gte", "lte"]}


class InboundEmailViewSet(viewsets.ReadOnlyModelViewSet):
    """Inbound emails, the newest first, with the account each was matched to and how (`matched_by`:
    in_reply_to, reply_address, sender, manual, none) and what the classifier read in it."""

    serializer_class = InboundEmailSerializer
    permission_classes = [RolePermission]
    filterset_class = InboundEmailFilter
    ordering_fields = ["received_at", "id"]
    ordering = ["-received_at", "-id"]

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            cursor = self.action == "list" and "after" in self.request.query_params
            self._paginator = AfterIdPagination() if cursor else super().paginator
        return self._paginator

    def get_queryset(self):
        rows = InboundEmail.objects.select_related("customer").prefetch_related("attachments")
        return api_scoped(rows, self.request.user)


# Included by collections_app/api_urls.py at /api/inbound-emails/.
urlpatterns = [
    path("", InboundEmailViewSet.as_view({"get": "list"}), name="api-inbound-email-list"),
    path("<int:pk>/", InboundEmailViewSet.as_view({"get": "retrieve"}), name="api-inbound-email-detail"),
]
