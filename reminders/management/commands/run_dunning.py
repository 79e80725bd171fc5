from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from reminders.dunning import dunning_plan, dunning_run
from reminders.models import OutboundMessage


class Command(BaseCommand):
    help = "Run the dunning pass (as of today unless --as-of); --dry-run shows who would get what."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, as_of=None, dry_run=False, **options):
        as_of = as_of or timezone.localdate()
        if dry_run:
            plan = dunning_plan(as_of)
            for customer_id, lines in sorted(plan.emails.items()):
                steps = sorted({plan.steps[ln.step_id]["name"] for ln in lines})
                self.stdout.write(f"email  customer {customer_id}: {len(lines)} invoice(s) — {', '.join(steps)}")
            for customer_id, lines in sorted(plan.tasks.items()):
                self.stdout.write(f"task   customer {customer_id}: {len(lines)} invoice(s)")
            self.stdout.write(f"dry run as of {as_of}: " + ", ".join(f"{k} {v}" for k, v in plan.counts().items()))
            return
        run = dunning_run(as_of=as_of, trigger="command")  # missed plan installments first, in the same pass
        self.stdout.write(
            f"dunning run {run.pk} as of {as_of}: {run.invoices_evaluated} invoices evaluated, "
            f"{run.invoices_blocked} blocked, {run.messages_queued} messages queued, {run.tasks_raised} tasks, "
            f"{run.steps_skipped} steps skipped, {run.messages_failed} messages failed"
        )
        queued = OutboundMessage.objects.filter(run=run, status=OutboundMessage.Status.QUEUED).count()
        if queued:
            self.stdout.write(f"{queued} message(s) handed to the workers")
