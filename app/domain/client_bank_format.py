"""The 1C "Client-Bank" exchange format (1CClientBankExchange, version 1.03): pure functions.

What Russian accounting systems (1C:Accounting) and bank clients exchange: payment orders going
to the bank, statements coming back. A file is lines of `key=value` in windows-1251 with CRLF
line ends: a header, then sections (`СекцияРасчСчет` ... `КонецРасчСчет` with an account's
balances, `СекцияДокумент=<kind>` ... `КонецДокумента` per document), then `КонецФайла`.
Statements written by other programs also come as UTF-8 (or DOS, cp866, when the header says
so): read_exchange() takes all three.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from app.i18n import _

SIGNATURE = "1CClientBankExchange"
VERSION = "1.03"
PAYMENT_ORDER = "Платежное поручение"
END_OF_FILE = "КонецФайла"
DOCUMENT_START = "СекцияДокумент"
DOCUMENT_END = "КонецДокумента"
ACCOUNT_START = "СекцияРасчСчет"
ACCOUNT_END = "КонецРасчСчет"
# A statement larger than this is not a day's or a month's statement.
MAX_LINES = 200_000
PAYMENT_KIND = "электронно"  # ВидПлатежа: sent through the bank client
OPERATION_KIND = "01"  # ВидОплаты: a payment order
PRIORITY = "5"  # Очередность: ordinary payments to suppliers


class ClientBankFormatError(ValueError):
    """The file is not a readable 1CClientBankExchange file; the message says where."""


@dataclass(frozen=True)
class Payer:
    """The paying company (ours), as its bank knows it."""

    name: str
    inn: str
    kpp: str
    account: str
    bik: str
    bank: str
    bank_city: str = ""
    corr_account: str = ""

    def missing(self) -> list[str]:
        """The settings a payment order cannot go without."""
        needed = {
            "COMPANY_NAME": self.name,
            "COMPANY_INN": self.inn,
            "COMPANY_ACCOUNT": self.account,
            "COMPANY_BIK": self.bik,
            "COMPANY_BANK": self.bank,
        }
        return [name for name, value in needed.items() if not value]


@dataclass(frozen=True)
class PaymentOrder:
    """One payment order: what the bank needs to pay one invoice."""

    number: str
    on: date
    amount: Decimal
    recipient_name: str
    recipient_inn: str
    recipient_kpp: str
    recipient_account: str
    recipient_bik: str
    recipient_corr_account: str
    recipient_bank: str
    purpose: str


@dataclass
class Exchange:
    """A file read back: its header and its documents, each as the keys it holds."""

    header: dict[str, str] = field(default_factory=dict)
    documents: list[dict[str, str]] = field(default_factory=list)
    accounts: list[dict[str, str]] = field(default_factory=list)


def money(amount: Decimal) -> str:
    """1C writes amounts with a decimal point and two places, no grouping."""
    return f"{amount.quantize(Decimal('0.01')):f}"


def day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def order_lines(payer: Payer, order: PaymentOrder) -> list[tuple[str, str]]:
    """The section of one payment order, key by key, in the order 1C writes them."""
    payer_line = f"ИНН {payer.inn} {payer.name}"
    recipient_line = f"ИНН {order.recipient_inn} {order.recipient_name}"
    return [
        (DOCUMENT_START, PAYMENT_ORDER),
        ("Номер", order.number),
        ("Дата", day(order.on)),
        ("Сумма", money(order.amount)),
        ("ПлательщикСчет", payer.account),
        ("Плательщик", payer_line),
        ("ПлательщикИНН", payer.inn),
        ("ПлательщикКПП", payer.kpp),
        ("Плательщик1", payer.name),
        ("ПлательщикРасчСчет", payer.account),
        ("ПлательщикБанк1", payer.bank),
        ("ПлательщикБанк2", payer.bank_city),
        ("ПлательщикБИК", payer.bik),
        ("ПлательщикКорсчет", payer.corr_account),
        ("ПолучательСчет", order.recipient_account),
        ("Получатель", recipient_line),
        ("ПолучательИНН", order.recipient_inn),
        ("ПолучательКПП", order.recipient_kpp),
        ("Получатель1", order.recipient_name),
        ("ПолучательРасчСчет", order.recipient_account),
        ("ПолучательБанк1", order.recipient_bank),
        ("ПолучательБИК", order.recipient_bik),
        ("ПолучательКорсчет", order.recipient_corr_account),
        ("ВидПлатежа", PAYMENT_KIND),
        ("ВидОплаты", OPERATION_KIND),
        ("Очередность", PRIORITY),
        ("НазначениеПлатежа", order.purpose),
        (DOCUMENT_END, ""),
    ]


def write_exchange(
    payer: Payer, orders: Iterable[PaymentOrder], created: datetime, sender: str
) -> bytes:
    """A file of payment orders for the bank client: windows-1251, CRLF line ends.
    Raises ClientBankFormatError for text windows-1251 cannot hold."""
    orders = list(orders)
    dates = [o.on for o in orders] or [created.date()]
    header = [
        ("ВерсияФормата", VERSION),
        ("Кодировка", "Windows"),
        ("Отправитель", sender),
        ("Получатель", ""),
        ("ДатаСоздания", day(created.date())),
        ("ВремяСоздания", created.strftime("%H:%M:%S")),
        ("ДатаНачала", day(min(dates))),
        ("ДатаКонца", day(max(dates))),
        ("РасчСчет", payer.account),
        ("Документ", PAYMENT_ORDER),
    ]
    lines = [SIGNATURE, *(_line(k, v) for k, v in header)]
    for order in orders:
        lines.extend(_line(k, v) for k, v in order_lines(payer, order))
    lines.append(END_OF_FILE)
    text = "\r\n".join(lines) + "\r\n"
    try:
        return text.encode("cp1251")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise ClientBankFormatError(
            _("The character %(c)r cannot be written in windows-1251.", c=bad)
        ) from exc


def _line(key: str, value: str) -> str:
    if key in (DOCUMENT_END,):
        return key
    # A line break inside a value would start a new key: 1C keeps a value on one line.
    return f"{key}={' '.join(str(value or '').split())}"


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte order mark) when it is valid UTF-8,
    cp866 when the header, read so, says `Кодировка=DOS`, windows-1251 otherwise."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    as_dos = data.decode("cp866", errors="replace")
    if "Кодировка=DOS" in as_dos[:2000]:
        return as_dos
    return data.decode("cp1251", errors="replace")


def read_exchange(data: bytes) -> Exchange:
    """Read a file back (a statement, or an export). Raises ClientBankFormatError naming the
    line that is wrong."""
    lines = decode(data).splitlines()
    if len(lines) > MAX_LINES:
        raise ClientBankFormatError(_("The file has more than %(n)s lines.", n=MAX_LINES))
    numbered = [(n, line.strip()) for n, line in enumerate(lines, start=1) if line.strip()]
    if not numbered or numbered[0][1] != SIGNATURE:
        raise ClientBankFormatError(
            _("This is not a 1C Client-Bank file: its first line must be %(s)s.", s=SIGNATURE)
        )
    return _Reader(numbered[1:]).read()


class _Reader:
    def __init__(self, lines: list[tuple[int, str]]):
        self.lines = lines
        self.exchange = Exchange()
        self.section: dict[str, str] | None = None
        self.section_end: str | None = None
        self.section_line = 0

    def read(self) -> Exchange:
        for number, line in self.lines:
            if line == END_OF_FILE:
                self._close_at_end(number)
                return self.exchange
            self._take(number, line)
        raise ClientBankFormatError(
            _("The file ends without %(end)s: it may be cut short.", end=END_OF_FILE)
        )

    def _take(self, number: int, line: str) -> None:
        if line in (DOCUMENT_END, ACCOUNT_END):
            self._end_section(number, line)
            return
        key, sep, value = line.partition("=")
        if key == ACCOUNT_START:  # written bare, or with `=`
            self._start_section(number, key, value)
            return
        if not sep or not key:
            raise ClientBankFormatError(
                _("Line %(n)s is not of the form key=value: %(line)s", n=number, line=line[:80])
            )
        if key in (DOCUMENT_START, ACCOUNT_START):
            self._start_section(number, key, value)
        elif self.section is not None:
            self.section[key] = value.strip()
        else:
            self.exchange.header[key] = value.strip()

    def _start_section(self, number: int, key: str, value: str) -> None:
        if self.section is not None:
            raise ClientBankFormatError(
                _("Line %(n)s opens a section inside the one opened on line %(m)s.",
                  n=number, m=self.section_line)
            )  # fmt: skip
        self.section = {"_line": str(number)}
        self.section_line = number
        if key == DOCUMENT_START:
            self.section[DOCUMENT_START] = value.strip()
            self.section_end = DOCUMENT_END
            self.exchange.documents.append(self.section)
        else:
            self.section_end = ACCOUNT_END
            self.exchange.accounts.append(self.section)

    def _end_section(self, number: int, line: str) -> None:
        if self.section is None or line != self.section_end:
            raise ClientBankFormatError(
                _("Line %(n)s closes a section that was not opened: %(line)s", n=number, line=line)
            )
        self.section = None

    def _close_at_end(self, number: int) -> None:
        if self.section is not None:
            raise ClientBankFormatError(
                _("The section opened on line %(m)s is not closed before line %(n)s.",
                  m=self.section_line, n=number)
            )  # fmt: skip


def read_amount(raw: str | None) -> Decimal:
    """An amount as 1C writes it (a point; a comma and spaces tolerated). Raises
    ClientBankFormatError."""
    text = (raw or "").replace(" ", "").replace("\xa0", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ClientBankFormatError(_("%(v)r is not an amount.", v=raw or "")) from exc
    if not value.is_finite() or value <= 0 or value.as_tuple().exponent < -2:
        raise ClientBankFormatError(_("%(v)r is not an amount.", v=raw or ""))
    return value


def read_day(raw: str | None) -> date | None:
    """A date as 1C writes it (DD.MM.YYYY); None when empty. Raises ClientBankFormatError."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError as exc:
        raise ClientBankFormatError(_("%(v)r is not a date as DD.MM.YYYY.", v=text)) from exc
