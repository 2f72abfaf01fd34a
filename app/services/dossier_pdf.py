"""The invoice dossier laid out as a PDF (fpdf2, with the DejaVu font for Cyrillic): the reader's
language (the translated words come through Wording and app.i18n) and time zone."""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from babel.dates import format_datetime
from babel.numbers import get_decimal_symbol
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from app.domain.dates import date_pattern, show_date
from app.domain.labels import status_label
from app.domain.money import format_amount
from app.domain.time_zones import abbreviation, in_zone
from app.domain.titles import render_title
from app.errors import ServiceUnavailableError
from app.i18n import _
from app.services.invoice_export import Reader
from app.services.stage_names import stage_in

FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
MONO_FONT, MONO_FILE = "DejaVuMono", "DejaVuSansMono.ttf"
# Control characters have no glyph; tabs and line feeds read as spaces and breaks.
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
LINE = 5  # mm


@dataclass(frozen=True)
class Wording:
    """The words the screens use, passed in so the dossier says things as the card does."""

    fields: Mapping[str, object]  # card field labels
    actions: Mapping[str, object]  # audit actions ("approved", ...)
    decisions: Mapping[str, object]  # task decisions ("approve", ...)
    kinds: Mapping[str, object]  # file kinds ("invoice", "payment_order", ...)
    font_dir: str = "/usr/share/fonts/truetype/dejavu"


class DossierFontMissingError(ServiceUnavailableError):
    """The PDF font is not installed (503: an operator installs fonts-dejavu-core)."""


class _Document(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(format="A4")
        self.footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=7)
        page = _("page %(n)s of %(total)s", n=self.page_no(), total="{nb}")
        self.cell(0, 4, f"{self.footer_text}, {page}", align="C")


def render_dossier(dossier, reader: Reader, wording: Wording) -> bytes:
    """The PDF's bytes. Raises DossierFontMissingError when the font is not installed."""
    writer = _Writer(dossier, reader, wording)
    writer.write()
    return bytes(writer.pdf.output())


class _Writer:
    def __init__(self, dossier, reader: Reader, wording: Wording):
        self.dossier, self.reader, self.words = dossier, reader, wording
        self.invoice = dossier.card.invoice
        title = str(_("Invoice #%(n)s: dossier", n=self.invoice.number))
        self.pdf = _Document(title)
        self.title = title
        _add_fonts(self.pdf, Path(wording.font_dir))
        self.pdf.set_title(title)
        self.pdf.set_creator("InvoiceFlow")
        self.pdf.set_creation_date(dossier.made_at.replace(tzinfo=None))
        self.pdf.set_auto_page_break(True, margin=15)

    def write(self) -> None:
        self.pdf.add_page()
        self._heading()
        self._card()
        self._rounds()
        self._payments()
        self._files()
        self._discussion()
        self._audit_trail()

    # ------------------------------------------------------------------ sections

    def _heading(self) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "B", 15)
        pdf.cell(0, 9, self.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, size=9)
        made_by = self.dossier.made_by
        who = f"{made_by.first_name} {made_by.last_name}" if made_by is not None else ""
        pdf.multi_cell(
            0,
            LINE,
            str(_("Made %(when)s for %(who)s.", when=self._time(self.dossier.made_at), who=who)),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def _card(self) -> None:
        inv, f = self.invoice, self.words.fields
        self._section(_("Card"))
        rows = [
            (_("Status"), status_label(inv.status)),
            (f["amount"], self._amount(inv.amount)),
            (f["vat_amount"], self._amount(inv.vat_amount)),
            (
                f["counterparty"],
                f"{inv.counterparty_name} ({inv.counterparty_country}, {inv.counterparty_tax_id})",
            ),
            (_("Bank"), inv.counterparty_bank_name),
            (_("BIC"), inv.counterparty_bank_bic),
            (_("Account number"), inv.counterparty_bank_account),
            (f["issue_date"], self._date(inv.issue_date)),
            (f["due_date"], self._date(inv.due_date)),
            (f["vendor_invoice_no"], inv.vendor_invoice_no),
            (f["contract_no"], inv.contract_no),
            (f["client_request_no"], inv.client_request_no),
            (f["payment_order_required"], _("Yes") if inv.payment_order_required else _("No")),
            (f["initiator"], _person(inv.initiator)),
            (f["stage"], stage_in(self.reader.language, inv.stage, inv.stage_translations)),
            (f["created_at"], self._time(inv.created_at)),
            (f["justification"], inv.justification),
        ]
        self._table((1, 3), None, rows)

    def _rounds(self) -> None:
        self._section(_("Approval history"))
        rows = [
            (
                task.round,
                render_title(task.title_template or {}, task.title_values or {}, self._language),
                _decided_by(task),
                self.words.decisions.get(task.decision, task.decision or ""),
                self._time(task.completed_at),
                task.comment,
            )
            for task in self.dossier.card.history
        ]
        headings = (_("Round"), _("Step"), _("Who"), _("Decision"), _("When"), _("Comment"))
        self._table((1, 4, 3, 3, 3, 5), headings, rows, empty=_("No decisions yet."))

    def _payments(self) -> None:
        self._section(_("Payment"))
        files = {a.id: a for a in self._all_files()}
        rows = [
            (
                self._date(p.paid_on),
                self._amount(p.amount),
                p.reference,
                files[p.payment_order_id].filename if p.payment_order_id in files else "",
                self._time(p.recorded_at),
            )
            for p in self.dossier.card.payments
        ]
        headings = (_("Paid on"), _("Amount"), _("Reference"), _("Payment order"), _("Recorded"))
        self._table((2, 2, 2, 3, 3), headings, rows, empty=_("Not paid."))

    def _files(self) -> None:
        """Each file on a row, its SHA-256 whole on the row below (to be compared, or copied)."""
        self._section(_("Files"))
        files = self._all_files()
        if not files:
            self._paragraph(_("No files."))
            return
        pdf = self.pdf
        headings = (_("File"), _("Kind"), _("Added"), _("Removed"))
        with self._grid((4, 2, 3, 3), headings) as table:
            for a in files:
                removed = (
                    _("removed %(when)s", when=self._time(a.removed_at)) if a.removed_at else ""
                )
                row = table.row()
                for value in (
                    a.filename,
                    self.words.kinds.get(a.kind, a.kind),
                    self._time(a.uploaded_at),
                    removed,
                ):
                    row.cell(_clean(value))
                pdf.set_font(MONO_FONT, size=8)
                table.row().cell(f"SHA-256 {a.sha256}", colspan=4)
                pdf.set_font(FONT, size=9)

    def _discussion(self) -> None:
        self._section(_("Discussion"))
        rows = [
            (
                self._time(m.created_at),
                _person(m.author),
                _("(deleted)") if m.deleted_at else m.text,
            )
            for m in self.dossier.messages
        ]
        headings = (_("When"), _("Who"), _("Message"))
        self._table((3, 3, 8), headings, rows, empty=_("No messages."))

    def _audit_trail(self) -> None:
        self._section(_("Audit trail"))
        rows = [
            (
                e.sequence,
                self._time(e.created_at, seconds=True),
                _person(e.actor) if e.actor is not None else _("System"),
                self.words.actions.get(e.action, e.action),
            )
            for e in self.dossier.card.events
        ]
        self._table((1, 4, 4, 7), (_("No."), _("When"), _("Who"), _("Action")), rows)
        self._chain_head()

    def _chain_head(self) -> None:
        chain, pdf = self.dossier.chain, self.pdf
        pdf.ln(2)
        self._paragraph(
            _(
                "Audit chain %(chain)s: %(n)s events; the hash of its last event (the head):",
                chain=chain.chain,
                n=chain.length,
            )
        )
        pdf.set_font(MONO_FONT, size=9)
        pdf.multi_cell(0, LINE, chain.head, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, size=9)
        if chain.broken_at is None:
            self._paragraph(_("When this dossier was made, every link of the chain matched."))
        else:
            self._paragraph(
                _(
                    "THE CHAIN IS BROKEN at event %(n)s: it does not match its hash.",
                    n=chain.broken_at,
                )
            )
        self._paragraph(
            _(
                "To check it: on the server, run `flask audit verify` (with --heads and the "
                "anchor folder, to compare with the heads kept outside the database). Its line "
                "for %(chain)s shows the number of events and the head; they must be those "
                "above, or, if the invoice has had events since, the audit search must show "
                "this hash on event %(n)s of the chain.",
                chain=chain.chain,
                n=chain.length,
            )
        )

    # ------------------------------------------------------------------ pieces

    def _section(self, title) -> None:
        self.pdf.ln(3)
        self.pdf.set_font(FONT, "B", 12)
        self.pdf.cell(0, 8, _clean(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.set_font(FONT, size=9)

    def _paragraph(self, text) -> None:
        self.pdf.multi_cell(0, LINE, _clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _table(self, widths, headings, rows, empty=None) -> None:
        if not rows and empty is not None:
            self._paragraph(empty)
            return
        with self._grid(widths, headings) as table:
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(_clean(value))

    @contextmanager
    def _grid(self, widths, headings):
        """A table, its heading row first (repeated on each page it runs onto)."""
        with self.pdf.table(
            col_widths=widths,
            first_row_as_headings=headings is not None,
            text_align="LEFT",
            line_height=LINE - 0.5,
        ) as table:
            if headings is not None:
                row = table.row()
                for heading in headings:
                    row.cell(_clean(heading))
            yield table

    def _all_files(self):
        card = self.dossier.card
        return sorted(
            card.attachments + card.removed_attachments, key=lambda a: (a.uploaded_at, a.id)
        )

    @property
    def _language(self) -> str:
        return self.reader.language

    def _time(self, moment: datetime | None, seconds: bool = False) -> str:
        if moment is None:
            return ""
        local = in_zone(moment, self.reader.time_zone)
        clock = "HH:mm:ss" if seconds else "HH:mm"
        pattern = f"{date_pattern(self._language)} {clock}"
        return f"{format_datetime(local, pattern, locale=self._language)} {abbreviation(local)}"

    def _date(self, day: date | None) -> str:
        return show_date(day, self._language)

    def _amount(self, value) -> str:
        if value is None:
            return ""
        mark = get_decimal_symbol(self._language)
        return f"{format_amount(value, mark, self.invoice.currency)} {self.invoice.currency}"


def _add_fonts(pdf: FPDF, folder: Path) -> None:
    try:
        for style, name in FONT_FILES.items():
            pdf.add_font(FONT, style, str(folder / name))
        pdf.add_font(MONO_FONT, "", str(folder / MONO_FILE))
    except FileNotFoundError as exc:
        raise DossierFontMissingError(
            _(
                "The dossier cannot be made: its font is not installed (%(file)s).",
                file=exc.filename,
            )
        ) from exc


def _person(user) -> str:
    return f"{user.first_name} {user.last_name}" if user is not None else ""


def _decided_by(task) -> str:
    who = _person(task.completed_by)
    if who and task.completed_for is not None:
        return str(_("%(deputy)s for %(absent)s", deputy=who, absent=_person(task.completed_for)))
    return who


def _clean(value) -> str:
    if value is None:
        return ""
    return UNPRINTABLE.sub(" ", str(value).replace("\t", " "))
