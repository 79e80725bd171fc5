"""The demo team: six collectors with a portfolio each, their manager (the manager of the team
"Collections", which every collector and portfolio is on), the head of collections, finance and an
admin."""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from portfolios.models import CollectorProfile, Portfolio, Role, Team
from work.models import EscalationLevel

DEMO_PASSWORD = "workbench"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    portfolio: str = ""
    title: str = ""
    phone: str = ""


COLLECTORS = [
    DemoUser("alice", "Alice", "Martin", Role.COLLECTOR, "Northeast", "Senior collections specialist",
             "+1 617 555 0101"),
    DemoUser("bob", "Bob", "Okafor", Role.COLLECTOR, "Southeast", "Collections specialist", "+1 404 555 0102"),
    DemoUser("chen", "Chen", "Wei", Role.COLLECTOR, "Midwest", "Collections specialist", "+1 312 555 0103"),
    DemoUser("dana", "Dana", "Kowalski", Role.COLLECTOR, "West", "Collections specialist", "+1 415 555 0104"),
    DemoUser("elena", "Elena", "Rossi", Role.COLLECTOR, "Public sector & strategic", "Senior collections specialist",
             "+1 202 555 0105"),
    DemoUser("farid", "Farid", "Haddad", Role.COLLECTOR, "International", "Collections specialist (EMEA/CA)",
             "+1 646 555 0106"),
]
DEMO_LOGINS = [
    *COLLECTORS,
    DemoUser("manager", "Maya", "Patel", Role.MANAGER, title="Collections manager"),
    DemoUser("head", "Hana", "Brooks", Role.HEAD, title="Head of collections (every team)"),
    DemoUser("finance", "Felix", "Grant", Role.FINANCE, title="Financial controller"),
    DemoUser("admin", "Ada", "Admin", Role.ADMIN, title="Administrator (superuser)"),
]

# The default matrix, used only for orders that do not exist yet (a migration may have made them).
ESCALATION_LEVELS = [
    (1, "AP clerk", "ap_clerk", "The customer's accounts-payable clerk."),
    (2, "Approver", "approver", "The person who approves invoices for payment."),
    (3, "Controller", "controller", "The customer's controller or finance lead."),
    (4, "Sales rep", "sales_rep", "Our account owner asks the customer's buyer."),
    (5, "Collections manager", "", "Our collections manager calls their owner or executive."),
    (6, "Collections agency", "", "The account is handed to an outside agency."),
]


@dataclass
class DemoTeam:
    manager: User
    finance: User
    collectors: list[User]
    portfolios: list[Portfolio]


def demo_team() -> DemoTeam:
    """Create (or find) every demo user, the team, the collector profiles and one portfolio each."""
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing is deliberately slow
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in Role.ALL}
    users = {}
    for person in DEMO_LOGINS:
        user, _ = User.objects.get_or_create(username=person.username)
        user.first_name, user.last_name = person.first_name, person.last_name
        user.email = f"{person.username}@workbench.example.com"
        user.password = password
        user.is_staff = person.role in (Role.MANAGER, Role.HEAD, Role.ADMIN)
        user.is_superuser = person.role == Role.ADMIN
        user.save()
        user.groups.add(groups[person.role])
        users[person.username] = user

    manager = users["manager"]
    team, _ = Team.objects.get_or_create(name="Collections", defaults={"manager": manager})
    collectors, portfolios = [], []
    for person in COLLECTORS:
        user = users[person.username]
        CollectorProfile.objects.update_or_create(
            user=user,
            defaults={
                "team": team, "title": person.title, "phone": person.phone,
                "signature": f"Kind regards,\n{person.first_name} {person.last_name}\n{person.title}\n"
                             f"Accounts Receivable · {person.phone}",
            },
        )
        portfolio, _ = Portfolio.objects.update_or_create(
            name=person.portfolio, defaults={"collector": user, "team": team}
        )
        collectors.append(user)
        portfolios.append(portfolio)
    return DemoTeam(manager=manager, finance=users["finance"], collectors=collectors, portfolios=portfolios)


def escalation_levels() -> list[EscalationLevel]:
    for order, name, role, description in ESCALATION_LEVELS:
        EscalationLevel.objects.get_or_create(
            order=order, defaults={"name": name, "contact_role": role, "description": description}
        )
    return list(EscalationLevel.objects.order_by("order"))
