"""The wording sent when a payment plan installment is missed and dunning resumes, used by every policy;
small-business and mid-market customers may set up a plan themselves on the portal."""

from django.db import migrations

NAME = "Payment plan: installment missed"
SUBJECT = "Your payment plan: installment {{ installment_number }} is overdue — {{ customer_name }}"
BODY = (
    "Dear {{ contact_name }},\n\nThank you for agreeing a payment plan with us. We have not yet received "
    "installment {{ installment_number }} of {{ installment_amount }}, due on {{ installment_due }}.\n\n"
    "{{ plan_table }}\n\nStill to pay under the plan: {{ plan_remaining }}\n\nPlease pay the missed installment "
    "within 7 days or contact us to discuss it; otherwise the plan lapses and the invoices below fall back "
    "into our normal reminders.\n\n{{ invoice_table }}\n\n{{ portal_link }}\n\nKind regards,\n"
    "{{ collector_name }}\n{{ collector_signature }}"
)


def create(apps, schema_editor):
    MessageTemplate = apps.get_model("reminders", "MessageTemplate")
    DunningPolicy = apps.get_model("reminders", "DunningPolicy")
    template, _ = MessageTemplate.objects.get_or_create(
        name=NAME, defaults={"kind": "plan_missed", "subject": SUBJECT, "body": BODY}
    )
    DunningPolicy.objects.filter(plan_missed_template__isnull=True).update(plan_missed_template=template)
    DunningPolicy.objects.filter(segment__in=["small business", "mid-market"]).update(portal_plans_allowed=True)


def remove(apps, schema_editor):
    DunningPolicy = apps.get_model("reminders", "DunningPolicy")
    DunningPolicy.objects.update(plan_missed_template=None, portal_plans_allowed=False)
    apps.get_model("reminders", "MessageTemplate").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("reminders", "0004_late_charges_plan_settings")]
    operations = [migrations.RunPython(create, remove)]
