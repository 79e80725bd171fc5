"""The role table: for every URL of the product, who may open it and who may change anything
through it (POST, PUT, PATCH, DELETE). `portfolios.middleware` refuses a page request the table
does not allow before the view runs; the API's `RolePermission` asks the same table for each
endpoint (an API user authenticates inside DRF, with a token). The views keep their own decorators
and the per-object checks (a collector's own accounts, a manager's own teams: `scope`).

docs/roles.md is this table printed (`python manage.py role_table`); tests/portfolios/
test_role_table.py fails when a URL has no rule, when a role gets through a rule that refuses it,
or when the document and the table differ.

Admins (the "admin" group and superusers) pass every rule; the head of collections counts as a
manager (`portfolios.access.roles_of`). Django's admin site keeps its own staff checks."""

from dataclasses import dataclass

COLLECTOR, MANAGER, FINANCE, ADMIN = "collector", "manager", "finance", "admin"
INTEGRATION = "integration"  # the group whose API token an ERP uses

PAGE, API, PUBLIC, LINK, REDIRECT = "page", "api", "public", "customer link", "redirect"
BOOK, ACCOUNT, TEAM = "book", "account", "team"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Rule:
    kind: str  # page (signed in), api (session or token), public, customer link (signed token), redirect
    open: tuple[str, ...] = ()  # roles that may GET it
    change: tuple[str, ...] = ()  # roles that may POST, PUT, PATCH or DELETE through it
    scope: str = BOOK  # account: only the user's accounts (collector: own portfolio, manager: own teams);
    # team: only the user's collectors (collector: themselves, manager: own teams); book: no object
    note: str = ""

    @property
    def signed_in(self) -> bool:
        return self.kind in (PAGE, API)

    def serves(self, method: str) -> bool:
        """Does the URL take `method` at all? (A GET-only page answers a POST with 405 itself.)"""
        return not self.signed_in or bool(self.open if method.upper() in SAFE_METHODS else self.change)

    def allows(self, roles: set[str], method: str) -> bool:
        """Does a user with `roles` pass this rule for `method`? (Not the per-object scope.)"""
        if not self.signed_in:
            return True
        if ADMIN in roles:
            return True
        allowed = self.open if method.upper() in SAFE_METHODS else self.change
        return "*" in allowed or bool(roles & set(allowed))


def page(open: tuple[str, ...] = (), change: tuple[str, ...] = (), scope: str = BOOK, note: str = "") -> Rule:
    return Rule(PAGE, open, change, scope, note)


def api(open: tuple[str, ...] = (), change: tuple[str, ...] = (), scope: str = BOOK, note: str = "") -> Rule:
    return Rule(API, open, change, scope, note)


C, M, F, INT = COLLECTOR, MANAGER, FINANCE, INTEGRATION
READERS = (C, M, F)  # every role of the team
WORKERS = (C, M)  # the people who work accounts
MANAGERS = (M,)
API_READERS = (C, M, F, INT)
API_WRITERS = (C, M, INT)
SIGNED_IN = Rule(PAGE, ("*",), note="any signed-in user")
ANYONE = Rule(PUBLIC, note="no sign-in")
TOKEN = Rule(PUBLIC, note="a message's signed tracking token")
PORTAL = Rule(LINK, note="the customer's signed portal link is the boundary (portal.links)")
MOVED = Rule(REDIRECT, note="a permanent redirect to the panel's new address; it does nothing itself")

TABLE: dict[str, Rule] = {
    # The way in.
    "home": SIGNED_IN,
    "login": ANYONE,
    "logout": Rule(PUBLIC, note="signing out"),
    # Accounts list and workspace.
    "accounts": page(READERS),
    "accounts_reassign": page(change=MANAGERS, scope=ACCOUNT, note="asks first: 'Move N accounts from X to Y'"),
    "account": page(READERS, scope=ACCOUNT),
    "account_timeline": page(READERS, scope=ACCOUNT),
    "account_actions": page(WORKERS, scope=ACCOUNT),
    "account_log": page(change=WORKERS, scope=ACCOUNT),
    "account_escalate": page(change=WORKERS, scope=ACCOUNT),
    "account_follow_up": page(change=WORKERS, scope=ACCOUNT),
    "account_portal_revoke": page(change=WORKERS, scope=ACCOUNT, note="asks first: 'Revoke N links sent so far'"),
    "account_messages": page(READERS, scope=ACCOUNT),
    "account_statement_now": page(change=WORKERS, scope=ACCOUNT, note="emails the customer"),
    "account_statement_pdf": page(READERS, scope=ACCOUNT),
    "account_invoice_copy": page(change=WORKERS, scope=ACCOUNT, note="emails the customer"),
    "account_compose": page(WORKERS, WORKERS, scope=ACCOUNT, note="emails the customer"),
    "customer_dunning_settings": page(change=MANAGERS, scope=ACCOUNT),
    "plan_new": page(WORKERS, WORKERS, scope=ACCOUNT),
    "plan_preview": page(WORKERS, scope=ACCOUNT),
    "plan_renegotiate": page(WORKERS, WORKERS, scope=ACCOUNT),
    "plan_cancel": page(change=WORKERS, scope=ACCOUNT),
    "account_credit_hold": page(READERS, WORKERS, scope=ACCOUNT),
    "account_credit_release": page(change=MANAGERS, scope=ACCOUNT),
    "account_corrections": page(MANAGERS, scope=ACCOUNT),
    "correction_reverse_payment": page(change=MANAGERS, scope=ACCOUNT),
    "correction_write_off": page(change=MANAGERS, scope=ACCOUNT),
    "correction_void": page(change=MANAGERS, scope=ACCOUNT),
    "correction_approve": page(change=MANAGERS, scope=ACCOUNT, note="never the manager who asked"),
    "correction_reject": page(change=MANAGERS, scope=ACCOUNT),
    "corrections_pending": page(MANAGERS),
    "accounts.moved.moved": MOVED,
    # Credit holds.
    "holds": page(READERS),
    "hold_rules": page(MANAGERS, MANAGERS, note="company-wide rules"),
    "hold_rule": page(MANAGERS, MANAGERS, note="company-wide rules"),
    "hold_rules_run": page(change=MANAGERS, note="company-wide rules"),
    # The queue.
    "queue": page(WORKERS),
    "queue_of": page(WORKERS, scope=TEAM),
    "queue_refresh": page(change=WORKERS, scope=TEAM),
    "queue_item": page(WORKERS, scope=ACCOUNT),
    "queue_item_log": page(change=WORKERS, scope=ACCOUNT),
    "queue_item_snooze": page(change=WORKERS, scope=ACCOUNT),
    "queue_item_escalate": page(change=WORKERS, scope=ACCOUNT),
    "queue_item_plan": page(change=WORKERS, scope=ACCOUNT),
    "queue_item_reassign": page(change=MANAGERS, scope=ACCOUNT),
    "disputes": page(MANAGERS),
    "dispute_update": page(change=WORKERS, scope=ACCOUNT),
    "dispute_resolve": page(change=WORKERS, scope=ACCOUNT),
    # The ERP import.
    "import_ar": page(MANAGERS),
    "import_upload": page(change=MANAGERS),
    "import_job": page(MANAGERS),
    "import_errors_csv": page(MANAGERS),
    # Team pages.
    "team": page(READERS, scope=TEAM),
    "team_targets": page(READERS, MANAGERS, scope=TEAM),
    "team_help": page(READERS, (C,), scope=ACCOUNT, note="a collector flags their own account"),
    "team_help_resolve": page(change=MANAGERS, scope=TEAM),
    "root_causes": page(READERS),
    "e_delivery": page(READERS),
    "e_delivery_goal": page(change=MANAGERS),
    "e_delivery_fix": page(change=WORKERS, scope=ACCOUNT),
    "one_on_one": page(READERS, MANAGERS, scope=TEAM),
    # Reports (read-only).
    "reports": page(READERS),
    "reports_aging": page(READERS),
    "reports_aging_invoices": page(READERS),
    "reports_dso": page(READERS),
    "forecast": page((M, F)),
    "reports_kpis": page(READERS),
    # Reminders: outbox, dunning, policies, charges, statements.
    "outbox": page(READERS),
    "outbox_message": page(READERS, scope=ACCOUNT),
    "outbox_attachment": page(READERS, scope=ACCOUNT),
    "dunning": page(MANAGERS),
    "dunning_run_now": page(change=MANAGERS, note="asks first: 'This sends N emails to N customers now'"),
    "dunning_policies": page(MANAGERS),
    "dunning_policy_new": page(MANAGERS, MANAGERS),
    "dunning_policy": page(MANAGERS, MANAGERS),
    "dunning_step_new": page(MANAGERS, MANAGERS),
    "dunning_step": page(MANAGERS, MANAGERS),
    "dunning_step_delete": page(change=MANAGERS),
    "dunning_template_new": page(MANAGERS, MANAGERS),
    "dunning_template": page(MANAGERS, MANAGERS),
    "dunning_template_delete": page(change=MANAGERS),
    "dunning_template_preview": page(MANAGERS),
    "charges": page(WORKERS),
    "charges_approve_selected": page(change=WORKERS, scope=ACCOUNT),
    "charges_propose_now": page(change=MANAGERS),
    "charge_waivers": page(READERS),
    "charge_approve": page(change=WORKERS, scope=ACCOUNT),
    "charge_waive": page(change=WORKERS, scope=ACCOUNT, note="above the asker's limit: asks a manager"),
    "charge_waiver_approve": page(change=MANAGERS, scope=ACCOUNT, note="four eyes: not the asker; limit covers it"),
    "charge_waiver_reject": page(change=MANAGERS, scope=ACCOUNT, note="four eyes: not the asker; limit covers it"),
    "statements": page(MANAGERS),
    "statement_run_start": page(change=MANAGERS, note="emails every statement customer"),
    "statement_run_status": page(MANAGERS),
    "statement_download": page(READERS, scope=ACCOUNT),
    "message_open": TOKEN,
    "message_click": TOKEN,
    "bounce_webhook": Rule(PUBLIC, note="the mail provider's webhook, checked by its shared secret"),
    # The customer portal.
    "portal_home": PORTAL,
    "portal_invoice_pdf": PORTAL,
    "portal_dispute": PORTAL,
    "portal_statement": PORTAL,
    "portal_promise": PORTAL,
    "portal_plan": PORTAL,
    "portal_credit_apply": PORTAL,
    "portal_autopay": PORTAL,
    "portal_contact": PORTAL,
    "portal_feedback": PORTAL,
    # Online payments (issue 16).
    # --- payments ---
    "payments_webhook": Rule(PUBLIC, note="the payment provider's webhook, checked by its Stripe-Signature"),
    "payments_sandbox_checkout": Rule(PUBLIC, note="the sandbox provider's checkout; its session reference is the key"),
    "payments_sandbox_setup": Rule(PUBLIC, note="the sandbox provider's setup page; its session reference is the key"),
    "payments_sandbox_settle": Rule(PUBLIC, note="the sandbox's demo bank; only a pending sandbox payment"),
    "payments_account": page(READERS, scope=ACCOUNT),
    "payments_refund": page(change=MANAGERS, scope=ACCOUNT, note="asks the provider; the ledger follows its event"),
    "payments_sandbox_event": page(change=MANAGERS, scope=ACCOUNT, note="sandbox payments only"),
    # --- end payments ---
    # --- pay ---
    "portal_pay": PORTAL,
    "portal_pay_result": PORTAL,
    # --- end pay ---
    # Autopay (issue 16).
    # --- autopay ---
    "portal_autopay_setup": PORTAL,
    "portal_autopay_return": PORTAL,
    "portal_autopay_cancel": PORTAL,
    "account_autopay": page(READERS, scope=ACCOUNT),
    "account_autopay_pause": page(change=WORKERS, scope=ACCOUNT, note="with a reason; no charge while paused"),
    "account_autopay_resume": page(change=WORKERS, scope=ACCOUNT),
    # --- end autopay ---
    # Bank statements and cash application (issue 17).
    # --- banking ---
    # --- end banking ---
    # --- cashapp ---
    "cash_worklist": page(READERS, note="collectors: their accounts' receipts and the unmatched ones"),
    "cash_line": page(READERS, scope=ACCOUNT, note="an unmatched receipt is every worker's"),
    "cash_confirm": page(change=WORKERS, scope=ACCOUNT, note="posts the receipt on the ledger"),
    "cash_split": page(change=WORKERS, scope=ACCOUNT, note="posts the receipt on the ledger"),
    "cash_assign": page(change=WORKERS, scope=ACCOUNT, note="posts the receipt on the ledger"),
    "cash_park": page(change=WORKERS, scope=ACCOUNT, note="posts the receipt as unapplied cash"),
    "cash_undo": page(change=MANAGERS, scope=ACCOUNT, note="reverses the payment, with a reason"),
    "cash_remittance": page(change=WORKERS, scope=ACCOUNT),
    "cash_import": page(MANAGERS, MANAGERS, note="company-wide: the bank's statements"),
    "cash_import_status": page(MANAGERS),
    "cash_figures": page((M, F)),
    # --- end cashapp ---
    # --- html ---
    "email_logo": Rule(PUBLIC, note="the company logo HTML emails show"),
    "dunning_template_preview_html": page(MANAGERS, note="the HTML part of a template's preview"),
    # --- end html ---
    # --- windows ---
    # --- end windows ---
    # --- ingest ---
    "api-inbound-email-list": api(API_READERS, scope=ACCOUNT),
    "api-inbound-email-detail": api(API_READERS, scope=ACCOUNT),
    "inbox_webhook_mailgun": Rule(PUBLIC, note="the mail provider's inbound webhook, checked by Mailgun's "
                                               "signature (MAILGUN_WEBHOOK_SIGNING_KEY) and HTTP basic auth "
                                               "(ANYMAIL_WEBHOOK_SECRET)"),
    # --- end ingest ---
    # --- reply ---
    # The AR inbox: unmatched mail is every worker's (like an unmatched receipt); matched mail is its account's.
    "inbox": page(READERS, note="collectors: their accounts' mail and the unmatched mail"),
    "inbox_item": page(READERS, scope=ACCOUNT, note="an unmatched email is every worker's"),
    "inbox_attachment": page(READERS, scope=ACCOUNT, note="always a download, never shown inline"),
    "inbox_assign": page(change=WORKERS, scope=ACCOUNT, note="learns the sender as a contact of the account"),
    "inbox_confirm": page(change=WORKERS, scope=ACCOUNT, note="records the promise the email proposed"),
    "inbox_dispute": page(change=WORKERS, scope=ACCOUNT, note="opens the dispute the email proposed"),
    "inbox_done": page(change=WORKERS, scope=ACCOUNT),
    "inbox_remittance": page(change=WORKERS, scope=ACCOUNT, note="the attachment goes to cash application"),
    "account_inbox": page(READERS, scope=ACCOUNT),
    "account_inbox_reply": page(WORKERS, WORKERS, scope=ACCOUNT, note="queues the answer in the outbox, threaded"),
    # --- end reply ---
    # --- mapping ---
    "import_preview": page(MANAGERS, note="an upload's first rows as they will be read"),
    "import_confirm": page(change=MANAGERS, note="imports a previewed upload"),
    # --- end mapping ---
    # --- family ---
    # --- end family ---
    # --- dupes ---
    # Duplicates and discrepancies (issue 20): the worklist and a collector's decision on a flag.
    "discrepancies": page(READERS, note="each sees the flags of the accounts they may open"),
    "discrepancy_confirm": page(change=WORKERS, scope=ACCOUNT, note="a confirmed duplicate invoice is not reminded"),
    "discrepancy_dismiss": page(change=WORKERS, scope=ACCOUNT, note="with a reason; it stays dismissed"),
    # --- end dupes ---
    # --- forecast ---
    # The forecast's backtest (rule and learned model side by side): for finance and managers, as the forecast.
    "forecast_accuracy": page((M, F)),
    "api_reports_forecast_backtest": api((M, F)),
    # --- end forecast ---
    # The API.
    "api-root": api(API_READERS),
    "api_schema": api(API_READERS),
    "api_docs": api(API_READERS),
    "api_docs_asset": ANYONE,
    "collections_app.api_urls.not_found": Rule(PUBLIC, note="any other address under /api/ answers 404"),
    "api_reports_aging": api((C, M, F)),
    "api_reports_dso": api((C, M, F)),
    "api_reports_cei": api((C, M, F)),
    "api_reports_forecast": api((M, F)),
    "api_import_customers": api(change=(M, INT)),
    "api_import_invoices": api(change=(M, INT)),
    "api_import_payments": api(change=(M, INT)),
    "api_import_credits": api(change=(M, INT)),
    "api_credit_hold_events": api(API_READERS, scope=ACCOUNT),
    "api_customer_credit_hold": api(change=API_WRITERS, scope=ACCOUNT,
                                    note="a release: managers and integrations (access.may_release)"),
    "api-customer-list": api(API_READERS, scope=ACCOUNT),
    "api-customer-detail": api(API_READERS, scope=ACCOUNT),
    "api-contact-list": api(API_READERS, scope=ACCOUNT),
    "api-contact-detail": api(API_READERS, scope=ACCOUNT),
    "api-invoice-list": api(API_READERS, scope=ACCOUNT),
    "api-invoice-detail": api(API_READERS, scope=ACCOUNT),
    "api-payment-list": api(API_READERS, scope=ACCOUNT),
    "api-payment-detail": api(API_READERS, scope=ACCOUNT),
    "api-credit-note-list": api(API_READERS, scope=ACCOUNT),
    "api-credit-note-detail": api(API_READERS, scope=ACCOUNT),
    "api-application-list": api(API_READERS, scope=ACCOUNT),
    "api-application-detail": api(API_READERS, scope=ACCOUNT),
    "api-activity-list": api(API_READERS, API_WRITERS, scope=ACCOUNT),
    "api-activity-detail": api(API_READERS, scope=ACCOUNT),
    "api-promise-list": api(API_READERS, API_WRITERS, scope=ACCOUNT),
    "api-promise-detail": api(API_READERS, scope=ACCOUNT),
    "api-dispute-list": api(API_READERS, API_WRITERS, scope=ACCOUNT),
    "api-dispute-detail": api(API_READERS, scope=ACCOUNT),
    "api-plan-list": api(API_READERS, scope=ACCOUNT),
    "api-plan-detail": api(API_READERS, scope=ACCOUNT),
}

# The main menu: (label, URL name, the `nav` value of its pages). A link shows only to the roles
# that may open it.
MENU = [
    ("Queue", "queue", "queue"),
    ("Accounts", "accounts", "accounts"),
    ("Reports", "reports", "reports"),
    ("Team", "team", "team"),
    ("Outbox", "outbox", "outbox"),
    ("Import", "import_ar", "import"),
    ("Cash", "cash_worklist", "cash"),
    ("Inbox", "inbox", "inbox"),  # reply
]


def rule_for(view_name: str | None) -> Rule | None:
    """The rule of a URL, by its name (or, for an unnamed one, its view's dotted path)."""
    return TABLE.get(view_name or "")


ROLE_COLUMNS = [(C, "collector"), (M, "manager"), (F, "finance"), (INT, "integration")]


def _who(rule: Rule, roles: tuple[str, ...]) -> str:
    if not rule.signed_in:
        return "anyone"
    if "*" in roles:
        return "signed in"
    return ", ".join(label for role, label in ROLE_COLUMNS if role in roles) or "—"


def markdown() -> str:
    """docs/roles.md: the table, one row per URL name."""
    lines = [
        "# Who may do what",
        "",
        "Printed from `portfolios/role_table.py` by `python manage.py role_table > docs/roles.md`;",
        "`tests/portfolios/test_role_table.py` fails when the two differ, when a URL has no rule, or",
        "when a role gets through a rule that refuses it.",
        "",
        "- **open**: who may GET the page; **change**: who may POST (or PUT, PATCH, DELETE) to it.",
        "- Admins pass every rule. The **head of collections** is a manager of every team.",
        "- **scope** `account`: only the user's own accounts — a collector's portfolios, a manager's teams",
        "  (an account's team is its portfolio's team, or its collector's), plus for managers the accounts on",
        "  no team; the head, finance and admins the whole book. `team`: only the user's collectors (a",
        "  collector themselves, a manager their teams' collectors and those on no team). `book`: no",
        "  object of one account or team (company-wide rules and runs, which managers share).",
        "- **customer link**: the portal's signed token is the boundary; **public**: no sign-in (a signed",
        "  token or a webhook secret where it acts). Anonymous visitors are sent to sign in everywhere else.",
        "",
        "| URL name | kind | open | change | scope | note |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, rule in TABLE.items():
        scope = rule.scope if rule.signed_in else ""
        lines.append(f"| `{name}` | {rule.kind} | {_who(rule, rule.open)} | {_who(rule, rule.change)} | {scope} "
                     f"| {rule.note} |")
    return "\n".join(lines) + "\n"
