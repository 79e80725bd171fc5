"""python manage.py ingest_email [FILE] [--json]: one RFC 822 message from FILE or standard input.

How an MTA hands mail to a program (Postfix: an alias `ar: "|/srv/app/.venv/bin/python /srv/app/manage.py
ingest_email"`). Exit codes are the ones MTAs understand (sysexits.h): 0 stored or already stored,
65 (EX_DATAERR) the message is refused for good (empty, over INBOX_MAX_MESSAGE_MB) — the MTA bounces
it, 75 (EX_TEMPFAIL) anything else went wrong (the database, the disk) — the MTA keeps the message and
tries again later, so nothing is lost."""

import json
import logging
import sys

from django.core.management.base import BaseCommand, CommandError

from inbox.models import InboundEmail
from inbox.services import MessageRefused, inbound_ingest

logger = logging.getLogger(__name__)

EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = ("Store one email (RFC 822) from FILE or standard input: matched to its account, classified, "
            "stored once by Message-ID. Exit 0 when stored or already there, 65 when refused, 75 when it "
            "should be retried (what MTAs do with EX_TEMPFAIL).")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-", help="the message file; '-' or nothing: standard input")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
        parser.add_argument("--source", choices=InboundEmail.Source.values, default=InboundEmail.Source.FILE,
                            help="recorded as the message's source (default: file)")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            if path == "-":
                raw = sys.stdin.buffer.read()
            else:
                with open(path, "rb") as handle:
                    raw = handle.read()
        except OSError as problem:
            raise CommandError(f"{path}: {problem.strerror}", returncode=EX_DATAERR) from None
        if not raw.strip():
            raise CommandError("No message: the input is empty.", returncode=EX_DATAERR)
        try:
            email, created = inbound_ingest(raw, source=options["source"])
        except MessageRefused as refused:
            raise CommandError(str(refused), returncode=EX_DATAERR) from None
        except Exception as error:  # noqa: BLE001 - the MTA keeps the message and retries: nothing is lost
            logger.exception("ingest_email failed; exit %s so the MTA retries", EX_TEMPFAIL)
            raise CommandError(f"Not stored, try again later: {error}", returncode=EX_TEMPFAIL) from None
        result = {
            "id": email.pk, "created": created, "message_id": email.message_id,
            "customer": email.customer_id, "customer_name": email.customer.name if email.customer else None,
            "matched_by": email.matched_by, "classification": email.classification,
            "classification_reason": email.classification_reason, "status": email.status,
            "attachments": email.attachments.count(),
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        verb = "Stored" if created else "Already stored"
        account = f"{email.customer.name} (by {email.get_matched_by_display().lower()})" if email.customer \
            else "no account: in the AR inbox"
        self.stdout.write(self.style.SUCCESS(f"{verb} #{email.pk} {email.message_id}: {account}; "
                                             f"{email.classification or 'not classified'}."))
