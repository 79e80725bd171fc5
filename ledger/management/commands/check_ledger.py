from django.core.management.base import BaseCommand, CommandError

from ledger.check import ledger_differences


class Command(BaseCommand):
    help = "Recompute every open amount and unapplied balance from the ledger; exit non-zero on any difference."

    def handle(self, *args, **options):
        differences = ledger_differences()
        for difference in differences:
            self.stderr.write(str(difference))
        if differences:
            raise CommandError(f"The ledger does not balance: {len(differences)} difference(s).")
        self.stdout.write(self.style.SUCCESS("Ledger balances: every stored balance matches its rows."))
