"""Builders for guideline documents in every format, written into a test's temporary folder."""

from __future__ import annotations

from pathlib import Path


def make_pdf(
    path: Path,
    sections: list[tuple[str, list[str]]],
    *,
    footer: str | None = None,
    title: str | None = None,
    page_per_section: bool = False,
) -> Path:
    """A text PDF whose headings are larger, bold text (as brand books are typeset)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=20)
    if footer:

        def _footer(self: FPDF = pdf) -> None:
            self.set_y(-12)
            self.set_font("Helvetica", size=8)
            self.cell(0, 5, f"{footer} - page {self.page_no()}")

        pdf.footer = _footer  # type: ignore[method-assign]
    pdf.add_page()
    if title:
        pdf.set_font("Helvetica", "B", 20)
        pdf.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    for n, (heading, paragraphs) in enumerate(sections):
        if page_per_section and n:
            pdf.add_page()
        pdf.set_font("Helvetica", "B", 15)
        pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 5, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    pdf.output(str(path))
    return path


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Harbour Lane brand book", level=0)
    document.add_heading("Colour", level=1)
    document.add_paragraph("Our primary colour is Harbour Navy (#1B2A41).")
    document.add_heading("Logo", level=1)
    document.add_paragraph("Place the logo in the top-right corner only.", style="List Bullet")
    document.add_paragraph("Keep the logo at least 80 px wide.", style="List Bullet")
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(table.rows, (("Name", "HEX", "Role"), ("Harbour Navy", "#1B2A41", "primary")), strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.save(str(path))
    return path


def encrypt_pdf(source: Path, target: Path, password: str = "s3cret") -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(source)).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password)
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def make_image_only_pdf(path: Path, tmp: Path) -> Path:
    from fpdf import FPDF
    from PIL import Image

    image = tmp / "scan.png"
    Image.new("RGB", (200, 280), "white").save(image)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(image), x=10, y=10, w=100)
    pdf.output(str(path))
    return path


def make_palette_pdf(path: Path) -> Path:
    """A brand-book page whose palette is a real PDF table (cells positioned in columns)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.multi_cell(0, 10, "Northwind Brand Guidelines", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, "Colour palette", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, "Our palette is built from four colours.", new_x="LMARGIN", new_y="NEXT")
    rows = [
        ("Name", "Role", "HEX", "RGB", "CMYK"),
        ("Northwind Navy", "Primary", "#1B2A41", "27 42 65", "90 75 40 45"),
        ("Gale Blue", "Secondary", "#3A7CA5", "58 124 165", "76 40 18 2"),
        ("Signal Orange", "Accent", "#F26419", "242 100 25", "0 72 100 0"),
        ("Fog", "Neutral", "#E5E5E5", "229 229 229", "9 6 7 0"),
    ]
    with pdf.table() as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.output(str(path))
    return path
