"""The IMAP poll against a real server: Dovecot (Debian's dovecot-imapd), started here with a
throwaway configuration and mailbox in a temporary directory, and stopped after the test."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from imap_tools import AND, MailBoxUnencrypted, MailMessageFlags

from inbox.imap import ImapConfigError, imap_poll, parse_url
from inbox.models import InboundEmail
from inbox.tasks import imap_poll_task
from tests.inbox.ingest_book import corpus, make_book

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
USER, PASSWORD = "ar", "test-password"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _config(root: Path, port: int) -> str:
    if os.getuid() == 0:
        # Dovecot never accesses mail as root: the mailbox belongs to nobody; its own processes run as
        # the users the package created.
        mail_user = pwd.getpwnam("nobody")
        internal, login = "dovecot", "dovenull"
    else:
        mail_user = pwd.getpwuid(os.getuid())
        internal = login = mail_user.pw_name
    (root / "mail").mkdir()
    os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {mail_user.pw_uid}
last_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@pytest.fixture
def dovecot():
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; .ci/run does it)")
    # Not under pytest's tmp_path: its parents are private to us, and the mail user must reach it.
    root = Path(tempfile.mkdtemp(prefix="inbox-dovecot-"))
    os.chmod(root, 0o755)
    port = _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port))
    server = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if server.poll() is not None:
                    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                    pytest.fail(f"dovecot exited: {server.stdout.read().decode()} {log}")
                time.sleep(0.1)
        else:
            pytest.fail("dovecot did not listen within 10 s")
        yield f"imap://{USER}:{PASSWORD}@127.0.0.1:{port}/INBOX"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(root, ignore_errors=True)


def _mailbox(url: str):
    target = parse_url(url)
    box = MailBoxUnencrypted(target.host, target.port)
    box.login(target.user, target.password)
    return box


def _flags(url: str) -> dict[str, set[str]]:
    """Message-ID → flags, of every message in the mailbox."""
    with _mailbox(url) as box:
        return {m.obj["Message-ID"]: set(m.flags) for m in box.fetch(AND(all=True), mark_seen=False)}


def test_poll_ingests_the_unseen_marks_them_seen_flags_the_bad_and_runs_once(dovecot, db, settings):
    book = make_book()
    settings.INBOX_MAX_MESSAGE_MB = 0.2  # the remittance with its scan is over it: refused
    with _mailbox(dovecot) as box:
        box.append(corpus("gmail_en_alternative_qp.eml"), "INBOX", flag_set=())
        box.append(corpus("attachments_en_remittance.eml"), "INBOX", flag_set=())
        box.append(corpus("shift_jis_ja_base64.eml"), "INBOX", flag_set=())
        box.append(corpus("unknown_sender_nl_8bit.eml"), "INBOX", flag_set=[MailMessageFlags.SEEN])

    result = imap_poll(dovecot)

    assert (result.fetched, result.stored, result.duplicates, result.failed) == (3, 2, 0, 1)
    assert "INBOX_MAX_MESSAGE_MB" in result.errors[0]
    stored = {e.message_id: e for e in InboundEmail.objects.all()}
    assert set(stored) == {"<CAF3x+gmail-en-0001@mail.gmail.com>", "<20261201180000.ABCD1234@soylent.example.jp>"}
    assert all(e.source == "imap" for e in stored.values())
    assert stored["<CAF3x+gmail-en-0001@mail.gmail.com>"].customer == book.globex
    with stored["<20261201180000.ABCD1234@soylent.example.jp>"].raw.open("rb") as kept:
        assert kept.read() == corpus("shift_jis_ja_base64.eml"), "the bytes the server sent, whole"
    flags = _flags(dovecot)
    assert "\\Seen" in flags["<CAF3x+gmail-en-0001@mail.gmail.com>"]
    assert "\\Seen" in flags["<20261201180000.ABCD1234@soylent.example.jp>"]
    assert flags["<remit-0008@globex.example>"] == {"\\Flagged"}, "left unread, flagged for a person"

    again = imap_poll(dovecot)
    assert (again.fetched, again.stored, again.failed) == (0, 0, 0), "nothing is read twice"

    # The same message delivered twice (a new UID, the same Message-ID) is stored once.
    with _mailbox(dovecot) as box:
        box.append(corpus("gmail_en_alternative_qp.eml"), "INBOX", flag_set=())
    settings.INBOUND_IMAP_URL = dovecot
    assert imap_poll_task.delay().get() == {"fetched": 1, "stored": 0, "duplicates": 1, "failed": 0, "errors": []}
    assert InboundEmail.objects.count() == 2
    assert all("\\Seen" in f for mid, f in _flags(dovecot).items() if mid != "<remit-0008@globex.example>")


def test_the_task_does_nothing_without_a_mailbox(settings):
    settings.INBOUND_IMAP_URL = ""
    assert imap_poll_task.delay().get() == {"skipped": "INBOUND_IMAP_URL is not set"}


@pytest.mark.parametrize(("url", "message"), [
    ("pop3://u:p@host/INBOX", "must start with imaps://"),
    ("imaps://host/INBOX", "needs a user and a host"),
    ("imaps://u:p@host:notaport/INBOX", "bad port"),
])
def test_a_bad_url_says_what_is_wrong(url, message):
    with pytest.raises(ImapConfigError, match=message):
        parse_url(url)


def test_the_url_gives_its_parts_decoded():
    target = parse_url("imaps://ar%40example.com:p%3Ass%2Fw@imap.example.com/Shared%20AR")
    assert (target.user, target.password, target.host, target.port, target.folder) == (
        "ar@example.com", "p:ss/w", "imap.example.com", 993, "Shared AR")
    assert parse_url("imap://u:p@localhost").port == 143 and parse_url("imap://u:p@localhost").folder == "INBOX"
