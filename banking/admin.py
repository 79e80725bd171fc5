"""Bank statements in the admin: read-only. Lines are the bank's record; a wrong import is not
edited here but answered in the cash application (ignore, undo), so the audit trail stays."""

from django.contrib import admin

from banking.models import BankAccount, BankLine, BankStatement, StatementFile


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin):
    """Only the name is ours to change (the account's identity comes from the bank)."""

    list_display = ["account_number", "bank_code", "iban", "currency", "name"]
    search_fields = ["account_number", "iban", "name"]
    fields = ["account_number", "bank_code", "iban", "currency", "name"]
    readonly_fields = ["account_number", "bank_code", "iban", "currency"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StatementFile)
class StatementFileAdmin(ReadOnlyAdmin):
    list_display = ["filename", "format", "status", "lines_total", "created_by", "created_at", "finished_at"]
    list_filter = ["status", "format"]
    search_fields = ["filename", "sha256"]
    exclude = ["content"]
    list_select_related = ["created_by"]


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    list_display = ["statement_id", "account", "from_date", "to_date", "opening_balance", "closing_balance", "currency"]
    list_select_related = ["account"]
    search_fields = ["statement_id"]
    raw_id_fields = ["file"]


@admin.register(BankLine)
class BankLineAdmin(ReadOnlyAdmin):
    list_display = ["booking_date", "direction", "amount", "currency", "kind", "counterparty_name", "entry_reference"]
    list_filter = ["kind", "direction", "is_reversal", "currency"]
    search_fields = ["entry_reference", "counterparty_name", "counterparty_account", "end_to_end_id", "remittance_text"]
    list_select_related = ["account"]
    raw_id_fields = ["statement"]
    date_hierarchy = "booking_date"
