"""Import a statement file: parse it, classify each line, write it all or nothing.

`statement_import` is the one way bank lines enter the database. The file is keyed by its
sha256 and each line by (account, entry_reference), so importing a file twice, or a later file
that repeats some of its lines, adds nothing already there (those lines are counted `skipped`).
Two imports at once serialize on the accounts' rows (`select_for_update`): the second sees the
first's lines once it commits and skips them, so the same file imported twice at the same moment
adds its lines once.
"""

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from banking.classify import line_kind
from banking.files import statement_file_fail, statement_file_finish
from banking.models import BankAccount, BankLine, BankStatement, StatementFile
from banking.parsers.bai2 import bai2_parse
from banking.parsers.camt import camt_parse
from banking.parsers.csv_mapping import csv_parse
from banking.parsers.detect import FORMATS, format_detect
from banking.parsers.mt940 import mt940_parse
from banking.parsers.records import LineRecord, StatementError, StatementRecord, fallback_reference
from ledger.imports.bulk import objects_insert

__all__ = ["IngestResult", "StatementError", "format_detect", "statement_import"]

Progress = Callable[[int], None]  # called with 0..100 as the import goes
_BATCH = 2000
# A month of a busy account in camt.053 is a few MB; past this it is not a statement.
MAX_BYTES = 50_000_000


@dataclass
class IngestResult:
    file: StatementFile | None  # None on a dry run of a file never imported
    statements: list[BankStatement]
    lines_total: int  # lines in the file
    credits: int  # of them, receipts to match (kind == receipt)
    new_lines: list[BankLine]  # written now (on a dry run: built, unsaved)
    skipped: int  # already imported before
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"lines": self.lines_total, "credits": self.credits, "new": len(self.new_lines), "skipped": self.skipped}


def statements_parse(data: bytes, format: str, mapping: dict[str, Any] | None = None) -> list[StatementRecord]:
    if format == "camt053" or format == "camt054":
        return camt_parse(data)
    if format == "mt940":
        return mt940_parse(data)
    if format == "bai2":
        return bai2_parse(data)
    if format == "csv":
        return csv_parse(data, mapping)
    raise StatementError.at(0, f"unknown format {format!r} (one of: auto, {', '.join(FORMATS)})")


def statement_import(*, data: bytes, filename: str, format: str = "auto", dry_run: bool = False,
                     by: User | None = None, file: StatementFile | None = None, progress: Progress | None = None,
                     mapping: dict[str, Any] | None = None, finish: bool = True) -> IngestResult:
    """All or nothing: a bad file raises StatementError and writes nothing but the failure on a
    given `file` row. `file` is a StatementFile queued by an upload (banking.files); without it the
    row is found by sha256 or created. `mapping` is a CSV mapping (banking.parsers.csv_mapping).
    `finish=False` leaves the file `running` for a caller that has more to do (matching) before
    it calls `statement_file_finish`; `progress(percent)` is called as the import goes."""
    try:
        if len(data) > MAX_BYTES:
            raise StatementError.at(0, f"the file is larger than {MAX_BYTES // 1_000_000} MB")
        chosen = format_detect(data, filename) if format == "auto" else format
        records = statements_parse(data, chosen, mapping)
        _report(progress, 30)
        planned = lines_plan(records)
    except StatementError as exc:
        if file is not None and not dry_run:
            statement_file_fail(file, exc.errors)
        raise
    sha256 = hashlib.sha256(data).hexdigest()
    if dry_run:
        return _dry_run(planned, sha256)
    with transaction.atomic():
        file = _file_claim(file, sha256=sha256, data=data, filename=filename, format=chosen, by=by)
        accounts = _accounts_lock(records)
        statements = _statements_get_or_create(records, accounts, file)
        new_lines, skipped = _lines_write(planned, accounts, statements, progress)
        result = IngestResult(file=file, statements=list(statements.values()), lines_total=len(planned),
                              credits=sum(1 for p in planned if p.kind == BankLine.Kind.RECEIPT),
                              new_lines=new_lines, skipped=skipped)
        if file.status != StatementFile.Status.DONE:
            file.lines_total = result.lines_total
            if finish:
                statement_file_finish(file, result=result.as_dict())
            else:
                file.save(update_fields=["lines_total"])
    _report(progress, 100)
    return result


@dataclass
class PlannedLine:
    statement: StatementRecord
    record: LineRecord
    reference: str
    kind: str


def lines_plan(records: list[StatementRecord]) -> list[PlannedLine]:
    """Each line with its re-import key and kind. A line without the bank's reference is keyed by
    what it says and how many identical lines came before it on the same account in this file,
    so a later export that repeats it (with other lines around it) finds the same key."""
    planned = []
    seen: dict[tuple[str, str], LineRecord] = {}
    identical: Counter = Counter()
    errors = []
    for statement in records:
        account_key = f"{statement.bank_code}/{statement.account_number}"
        for line in statement.lines:
            if not line.amount:
                continue  # an information line of nothing: it moves no money
            reference = line.entry_reference
            if not reference:
                content = fallback_reference(account_key, line, 0)
                identical[content] += 1
                reference = fallback_reference(account_key, line, identical[content])
            earlier = seen.get((account_key, reference))
            if earlier is not None:
                if (earlier.amount, earlier.direction, earlier.booking_date) != (
                        line.amount, line.direction, line.booking_date):
                    errors.append({"line": line.source_line, "message": f"entry reference {reference} is used twice "
                                   f"for different entries (also line {earlier.source_line})"})
                continue  # the same entry sent twice in one file (a repeated statement): once is enough
            seen[(account_key, reference)] = line
            planned.append(PlannedLine(statement, line, reference, line_kind(line)))
    if errors:
        raise StatementError(errors)
    return planned


def _report(progress: Progress | None, percent: int) -> None:
    if progress is not None:
        progress(percent)


def _file_claim(file: StatementFile | None, *, sha256: str, data: bytes, filename: str, format: str,
                by: User | None) -> StatementFile:
    """The file's row, locked for this import. A concurrent import of the same bytes waits here
    (on the row lock, or on the unique sha256 of a row being created) until the first commits."""
    if file is None:
        file = StatementFile.objects.select_for_update().filter(sha256=sha256).first()
    else:
        file = StatementFile.objects.select_for_update().get(pk=file.pk)
    if file is None:
        try:
            with transaction.atomic():
                file = StatementFile.objects.create(sha256=sha256, filename=filename[:255], content=data, created_by=by,
                                                    format=format, status=StatementFile.Status.RUNNING)
        except IntegrityError:
            file = StatementFile.objects.select_for_update().get(sha256=sha256)
    if file.status != StatementFile.Status.DONE:  # a file done before keeps its first import's figures
        file.format = format
        file.status = StatementFile.Status.RUNNING
        file.save(update_fields=["format", "status"])
    return file


def _accounts_lock(records: list[StatementRecord]) -> dict[tuple[str, str], BankAccount]:
    """Our accounts named in the file (created on first sight), locked in id order so imports
    touching the same accounts take turns instead of racing on their lines."""
    found: dict[tuple[str, str], BankAccount] = {}
    for statement in records:
        key = (statement.account_number, statement.bank_code)
        if key in found:
            continue
        account = BankAccount.objects.filter(account_number=key[0], bank_code=key[1]).first()
        if account is None:
            try:
                with transaction.atomic():
                    account = BankAccount.objects.create(account_number=key[0], bank_code=key[1], iban=statement.iban,
                                                         currency=statement.currency, name=statement.account_name[:140])
            except IntegrityError:
                account = BankAccount.objects.get(account_number=key[0], bank_code=key[1])
        found[key] = account
    ids = [a.pk for a in found.values()]
    locked = {a.pk: a for a in BankAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    return {key: locked[account.pk] for key, account in found.items()}


def _statements_get_or_create(records: list[StatementRecord], accounts: dict[tuple[str, str], BankAccount],
                              file: StatementFile) -> dict[tuple[int, str], BankStatement]:
    """A statement already imported (from this file or one overlapping it) is reused as it is."""
    wanted = {(accounts[(r.account_number, r.bank_code)].pk, r.statement_id): r for r in records}
    existing = {}
    for account_id in {k[0] for k in wanted}:
        ids = [sid for aid, sid in wanted if aid == account_id]
        for statement in BankStatement.objects.filter(account_id=account_id, statement_id__in=ids):
            existing[(account_id, statement.statement_id)] = statement
    missing = [BankStatement(file=file, account_id=key[0], statement_id=r.statement_id[:80], sequence=r.sequence[:35],
                             from_date=r.from_date, to_date=r.to_date, opening_balance=r.opening_balance,
                             closing_balance=r.closing_balance, currency=r.currency)
               for key, r in wanted.items() if key not in existing]
    for statement in BankStatement.objects.bulk_create(missing):
        existing[(statement.account_id, statement.statement_id)] = statement
    return existing


def _lines_write(planned: list[PlannedLine], accounts: dict[tuple[str, str], BankAccount],
                 statements: dict[tuple[int, str], BankStatement],
                 progress: Progress | None) -> tuple[list[BankLine], int]:
    account_of = {id(p.statement): accounts[(p.statement.account_number, p.statement.bank_code)] for p in planned}
    known = _references_known(planned, account_of)
    fresh = []
    for p in planned:
        account = account_of[id(p.statement)]
        if (account.pk, p.reference) in known:
            continue
        fresh.append(_line_build(p, account, statements[(account.pk, p.statement.statement_id)]))
    written: list[BankLine] = []
    for start in range(0, len(fresh), _BATCH):
        written.extend(objects_insert(BankLine, fresh[start:start + _BATCH]))  # COPY on PostgreSQL
        _report(progress, 40 + 55 * min(len(fresh), start + _BATCH) // max(len(fresh), 1))
    return written, len(planned) - len(written)


def _references_known(planned: list[PlannedLine], account_of: dict[int, BankAccount]) -> set[tuple[int, str]]:
    by_account: dict[int, list[str]] = {}
    for p in planned:
        by_account.setdefault(account_of[id(p.statement)].pk, []).append(p.reference)
    known: set[tuple[int, str]] = set()
    for account_id, references in by_account.items():
        for start in range(0, len(references), _BATCH):
            chunk = references[start:start + _BATCH]
            known.update((account_id, ref) for ref in BankLine.objects.filter(
                account_id=account_id, entry_reference__in=chunk).values_list("entry_reference", flat=True))
    return known


def _line_build(p: PlannedLine, account: BankAccount | None, statement: BankStatement | None) -> BankLine:
    r = p.record
    return BankLine(
        statement=statement, account=account, entry_reference=p.reference[:100], booking_date=r.booking_date,
        value_date=r.value_date, amount=r.amount, direction=r.direction, currency=r.currency, is_reversal=r.is_reversal,
        bank_code=r.bank_code, counterparty_name=r.counterparty_name, counterparty_account=r.counterparty_account,
        counterparty_bank=r.counterparty_bank, end_to_end_id=r.end_to_end_id,
        structured_reference=r.structured_reference,
        remittance_text=r.remittance_text, kind=p.kind, raw={**r.raw, "line": r.source_line},
    )


def _dry_run(planned: list[PlannedLine], sha256: str) -> IngestResult:
    """What an import would add, read-only: lines of accounts we already have are checked
    against what is there; lines of new accounts are all new."""
    accounts: dict[tuple[str, str], BankAccount | None] = {}
    for p in planned:
        key = (p.statement.account_number, p.statement.bank_code)
        if key not in accounts:
            accounts[key] = BankAccount.objects.filter(account_number=key[0], bank_code=key[1]).first()
    known_accounts = {id(p.statement): account for p in planned
                      if (account := accounts[(p.statement.account_number, p.statement.bank_code)]) is not None}
    known = _references_known([p for p in planned if id(p.statement) in known_accounts], known_accounts)
    fresh = [_line_build(p, known_accounts.get(id(p.statement)), None) for p in planned
             if id(p.statement) not in known_accounts
             or (known_accounts[id(p.statement)].pk, p.reference) not in known]
    return IngestResult(file=StatementFile.objects.filter(sha256=sha256).first(), statements=[],
                        lines_total=len(planned), credits=sum(1 for p in planned if p.kind == BankLine.Kind.RECEIPT),
                        new_lines=fresh, skipped=len(planned) - len(fresh))
