from django.core.management.base import BaseCommand

from portfolios.role_table import markdown


class Command(BaseCommand):
    help = "Print the role table as Markdown (docs/roles.md is this output)."

    def handle(self, *args, **options):
        self.stdout.write(markdown(), ending="")
