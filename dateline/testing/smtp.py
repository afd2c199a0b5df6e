"""A real SMTP server on loopback (aiosmtpd) for the tests and benchmarks that deliver mail:
it keeps what it is sent, and can refuse, hold or be down as a real one would.
"""

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from dateline.testing.ports import free_port


@dataclass
class SmtpSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it is sent.

    `reply`, if set, is called (in a thread of its own) with each envelope before it is
    kept: it may return another SMTP reply ("550 5.1.1 No such user") to refuse the
    message, which is then not kept, or block to hold the client waiting for the answer.
    """

    host: str
    port: int
    messages: list = field(default_factory=list)
    reply: Callable | None = None
    # Called with each RCPT TO address: may return a refusal ("550 5.1.1 No such user").
    refuse_rcpt: Callable | None = None
    # The answer to every MAIL FROM, if not "250 OK".
    refuse_mail: str | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def received(self) -> list:
        return [message_from_bytes(e.content, policy=policy.default) for e in self.messages]

    def recipients(self) -> list[str]:
        return [rcpt for envelope in self.messages for rcpt in envelope.rcpt_tos]


@contextlib.contextmanager
def smtp_sink(port: int = 0) -> Iterator[SmtpSink]:
    """A real SMTP server on loopback, on `port` if given (a server that comes back)."""
    sink = SmtpSink(host="127.0.0.1", port=port or free_port())

    class Handler:
        async def handle_MAIL(self, server, session, envelope, address, mail_options):
            if sink.refuse_mail:
                return sink.refuse_mail
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
            return "250 OK"

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if sink.refuse_rcpt is not None and (refusal := sink.refuse_rcpt(address)):
                return refusal
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            if sink.reply is not None:
                answer = await asyncio.get_running_loop().run_in_executor(
                    None, sink.reply, envelope
                )
                if answer:
                    return answer
            sink.messages.append(envelope)
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


class SmtpOutage:
    """A mail server that is down (nothing listens on its port) until `up()` starts a real
    one there, as a server that comes back after a restart."""

    def __init__(self, port: int):
        self.port = port
        self.sink: SmtpSink | None = None
        self._running = contextlib.ExitStack()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def up(self) -> SmtpSink:
        self.sink = self._running.enter_context(smtp_sink(self.port))
        return self.sink

    def down(self) -> None:
        self._running.close()

    def received(self) -> list:
        return self.sink.received() if self.sink else []
