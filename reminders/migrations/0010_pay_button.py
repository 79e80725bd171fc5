"""Every reminder, statement and missed-installment email carries a Pay link for exactly the invoices
it lists ({{ pay_url }}, issue 16). The line goes into each such template that has no {{ pay_url }}
yet, just before its portal-link paragraph (else before its closing); a template with neither is
left as its author wrote it. The line prints nothing when the message lists nothing to pay."""

from django.db import migrations

LINES = {
    "dunning": "{% if pay_url %}Pay these invoices online now: {{ pay_url }}\n\n{% endif %}",
    "plan_missed": "{% if pay_url %}Pay online now: {{ pay_url }}\n\n{% endif %}",
    "statement": "{% if pay_url %}Pay your open items online: {{ pay_url }}\n\n{% endif %}",
}
ANCHORS = ("{{ portal_link }}", "{{ sign_off }}")


def with_pay_line(body: str, line: str) -> str | None:
    """The body with the Pay line at the start of the line holding the first anchor found, or None."""
    for anchor in ANCHORS:
        at = body.find(anchor)
        if at >= 0:
            start = body.rfind("\n", 0, at) + 1
            return body[:start] + line + body[start:]
    return None


def add_pay_line(apps, schema_editor):
    MessageTemplate = apps.get_model("reminders", "MessageTemplate")
    for template in MessageTemplate.objects.filter(kind__in=list(LINES)).exclude(body__contains="pay_url"):
        body = with_pay_line(template.body, LINES[template.kind])
        if body is not None:
            template.body = body
            template.save(update_fields=["body"])


def remove_pay_line(apps, schema_editor):
    MessageTemplate = apps.get_model("reminders", "MessageTemplate")
    for template in MessageTemplate.objects.filter(kind__in=list(LINES), body__contains="pay_url"):
        template.body = template.body.replace(LINES[template.kind], "")
        template.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("reminders", "0009_waiver_approval")]
    operations = [migrations.RunPython(add_pay_line, remove_pay_line)]
