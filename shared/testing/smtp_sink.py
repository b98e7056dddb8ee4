"""The tests' mail server: aiosmtpd (from PyPI) with this handler, which keeps every message in a
Maildir and answers like a real server would for some recipients, chosen by the address's local part:
reject... gets 550 (a permanent failure), later... gets 451 (a temporary one), slow... waits 3 s before
accepting. Started by the tests as `python -m aiosmtpd -n -l HOST:PORT -c smtp_sink.Sink MAILDIR`."""

import asyncio
import mailbox


class Sink:
    def __init__(self, path):
        self.box = mailbox.Maildir(path, create=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("Sink takes one argument: the Maildir folder")
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local.startswith("reject"):
            return "550 5.1.1 No such user here"
        if local.startswith("later"):
            return "451 4.3.0 Mailbox busy, try again later"
        if local.startswith("slow"):
            await asyncio.sleep(3)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.box.add(envelope.original_content)
        return "250 Message accepted for delivery"
