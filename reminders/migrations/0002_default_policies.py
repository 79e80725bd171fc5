"""Default wording and a dunning policy per demo segment, plus the default policy for any other segment."""

from django.db import migrations

TEMPLATES = [
    ("Friendly heads-up", "dunning", "Upcoming invoices from us — {{ customer_name }}",
     "Dear {{ contact_name }},\n\nA friendly heads-up: the invoices below fall due soon.\n\n{{ invoice_table }}\n\n"
     "Total: {{ total_due }}\n\nYou can see every open invoice, download a statement or tell us about a problem "
     "here: {{ portal_link }}\n\nThank you,\n{{ collector_name }}\n{{ collector_signature }}"),
    ("Reminder", "dunning", "Payment reminder — {{ customer_name }}",
     "Dear {{ contact_name }},\n\nOur records show the invoices below as past due. If you have already paid, "
     "thank you and please ignore this message.\n\n{{ invoice_table }}\n\nTotal past due: {{ total_due }}\n\n"
     "Details and payment status: {{ portal_link }}\n\nKind regards,\n{{ collector_name }}\n{{ collector_signature }}"),
    ("Second reminder", "dunning", "Second reminder: past-due invoices — {{ customer_name }}",
     "Dear {{ contact_name }},\n\nWe have not yet received payment for the invoices below. Please let us know "
     "when we can expect it, or whether anything is holding it up.\n\n{{ invoice_table }}\n\n"
     "Total past due: {{ total_due }}\n\n{{ portal_link }}\n\nKind regards,\n{{ collector_name }}\n"
     "{{ collector_signature }}"),
    ("Firm reminder", "dunning", "Overdue account — action needed — {{ customer_name }}",
     "Dear {{ contact_name }},\n\nThe invoices below are now significantly overdue. Please arrange payment "
     "within 7 days, or reply with a payment date.\n\n{{ invoice_table }}\n\nTotal overdue: {{ total_due }}\n\n"
     "{{ portal_link }}\n\nRegards,\n{{ collector_name }}\n{{ collector_signature }}"),
    ("Final notice", "dunning", "Final notice before further action — {{ customer_name }}",
     "Dear {{ contact_name }},\n\nDespite our earlier reminders the invoices below remain unpaid. Unless we "
     "receive payment or hear from you within 7 days, we will have to put the account on hold and consider "
     "further steps.\n\n{{ invoice_table }}\n\nTotal overdue: {{ total_due }}\n\n{{ portal_link }}\n\n"
     "{{ collector_name }}\n{{ collector_signature }}"),
    ("Monthly statement", "statement", "Your statement for {{ month }} — {{ customer_name }}",
     "Dear {{ contact_name }},\n\nPlease find attached your account statement for {{ month }}.\n\n"
     "Open balance: {{ total_due }}\n\nYou can also see it online: {{ portal_link }}\n\nKind regards,\n"
     "{{ collector_name }}\n{{ collector_signature }}"),
    ("Invoice copy", "invoice_copy", "Copy of invoice {{ invoice_numbers }} — {{ customer_name }}",
     "Dear {{ contact_name }},\n\nAs requested, here is a copy of the invoice below.\n\n{{ invoice_table }}\n\n"
     "{{ portal_link }}\n\nKind regards,\n{{ collector_name }}\n{{ collector_signature }}"),
    ("Personal note", "free", "Your account with us — {{ customer_name }}",
     "Dear {{ contact_name }},\n\n\n\n{{ invoice_table }}\n\nTotal open: {{ total_due }}\n\n{{ portal_link }}\n\n"
     "Kind regards,\n{{ collector_name }}\n{{ collector_signature }}"),
]

H, R, S, F, X = "Friendly heads-up", "Reminder", "Second reminder", "Firm reminder", "Final notice"
# (offset days, step name, template name or None for a hand-over task)
POLICIES = {
    ("Standard", "", True): [(-5, "Heads-up", H), (3, "First reminder", R), (10, "Second reminder", S),
                             (20, "Firm reminder", F), (35, "Final notice", X), (40, "Call the customer", None)],
    ("Enterprise", "enterprise", False): [(-7, "Heads-up", H), (5, "First reminder", R), (15, "Second reminder", S),
                                          (30, "Firm reminder", F), (45, "Final notice", X),
                                          (50, "Call the controller", None)],
    ("Mid-market", "mid-market", False): [(-5, "Heads-up", H), (3, "First reminder", R), (10, "Second reminder", S),
                                          (20, "Firm reminder", F), (35, "Final notice", X),
                                          (40, "Call the customer", None)],
    ("Small business", "small business", False): [(-3, "Heads-up", H), (3, "First reminder", R),
                                                  (10, "Firm reminder", F), (20, "Final notice", X),
                                                  (25, "Call the owner", None)],
    ("Public sector", "public sector", False): [(-10, "Heads-up", H), (10, "First reminder", R),
                                                (30, "Second reminder", S), (60, "Final notice", X),
                                                (65, "Call the approver", None)],
}


def create(apps, schema_editor):
    MessageTemplate = apps.get_model("reminders", "MessageTemplate")
    DunningPolicy = apps.get_model("reminders", "DunningPolicy")
    DunningStep = apps.get_model("reminders", "DunningStep")
    templates = {}
    for name, kind, subject, body in TEMPLATES:
        templates[name] = MessageTemplate.objects.get_or_create(
            name=name, defaults={"kind": kind, "subject": subject, "body": body}
        )[0]
    for (name, segment, is_default), steps in POLICIES.items():
        policy, created = DunningPolicy.objects.get_or_create(
            name=name, defaults={"segment": segment, "is_default": is_default}
        )
        if not created:
            continue
        for offset, step_name, template in steps:
            DunningStep.objects.create(
                policy=policy, offset_days=offset, name=step_name, action="email" if template else "task",
                template=templates.get(template),
            )


class Migration(migrations.Migration):
    dependencies = [("reminders", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
