"""Objects the role table test needs for the inbox URLs: an email of the side's account, with an attachment."""

from django.core.files.base import ContentFile
from django.utils import timezone

from inbox.models import InboundAttachment, InboundEmail


def role_table_kwargs(side: dict) -> dict:
    customer = side["customer"]
    email, created = InboundEmail.objects.get_or_create(
        message_id=f"<role-table-{customer.pk}@customer.example>",
        defaults={"source": "file", "customer": customer, "from_address": "ap@customer.example",
                  "subject": "Re: Invoice", "received_at": timezone.now(), "reply_text": "Paid.",
                  "classification": "paid", "matched_by": "sender"})
    if created:
        attachment = InboundAttachment(email=email, filename="advice.csv", content_type="text/csv", size=10)
        attachment.file.save("advice.csv", ContentFile(b"invoice,amount\nINV1,10\n"), save=True)
    attachment_id = email.attachments.values_list("pk", flat=True).first()
    one = {"pk": email.pk}
    return {
        "inbox_item": one, "inbox_assign": one, "inbox_confirm": one, "inbox_dispute": one, "inbox_done": one,
        "inbox_attachment": {"pk": email.pk, "attachment_id": attachment_id},
        "inbox_remittance": {"pk": email.pk, "attachment_id": attachment_id},
        "account_inbox": {"pk": customer.pk},
        "account_inbox_reply": {"pk": customer.pk, "email_id": email.pk},
    }
