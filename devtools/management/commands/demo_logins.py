from django.core.management.base import BaseCommand

from devtools.demo.people import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the demo logins (users created by seed_demo)."

    def handle(self, *args, **options):
        self.stdout.write(f"  Demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write(f"    {'username':<10} {'role':<20} who")
        for person in DEMO_LOGINS:
            who = f"{person.first_name} {person.last_name}, {person.title}"
            if person.portfolio:
                who += f" — portfolio {person.portfolio}"
            self.stdout.write(f"    {person.username:<10} {person.role:<20} {who}")
