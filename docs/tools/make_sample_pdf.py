"""Generate the sample Tidewell print guidelines PDF.

Writes ``data/brands/tidewell/guidelines/07-print-and-production.pdf`` (or the path given
as the first argument). The script reads nothing external: all text lives below, and it
uses fpdf2's built-in Helvetica, so no font files are needed. The output is deterministic
(fixed creation date and metadata), so re-running it produces the same bytes for a given
fpdf2 version.

Usage:
    python docs/tools/make_sample_pdf.py [OUTPUT.pdf]
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "data" / "brands" / "tidewell" / "guidelines" / "07-print-and-production.pdf"

FOOTER = "Tidewell Brand Guidelines \u00b7 Print & Production \u00b7 page {n}"
DEEP_HARBOUR = (18, 48, 74)
TIDEWELL_TEAL = (15, 124, 140)

# Each page is a list of blocks: (kind, payload). Kinds: title, subtitle, h1, h2, p, bullets, table.
PAGES: list[list[tuple[str, object]]] = [
    [
        ("title", "Print and Production"),
        ("subtitle", "Tidewell Brand Guidelines - Chapter 07 - Version 3.1 - March 2025"),
        (
            "p",
            "This chapter is for designers, artworkers, printers and packaging suppliers. It turns "
            "the Tidewell visual identity into precise technical specifications, so that a shelf "
            "strip printed in Leeds and a can printed in Rotterdam look like they came from the "
            "same place. Where this chapter gives a print-specific value, it replaces the screen "
            "value given in the visual identity chapter.",
        ),
        (
            "p",
            "If a job cannot meet one of these specifications, stop and contact the Brand Studio "
            "before it goes to press. A reprint is always more expensive than a phone call.",
        ),
        ("h1", "1. Artwork basics"),
        (
            "bullets",
            [
                "Resolution: 300 dpi at final printed size for all photographs and raster artwork.",
                "Posters larger than A1 may use 150 dpi at final size, because they are viewed from further away.",
                "Bleed: 3 mm on every edge of flat printed items.",
                "Safe zone: keep all text and the logo at least 8 mm inside the trim.",
                "Colour workflow: all print artwork is supplied in CMYK. Never send RGB files to a printer.",
                "ICC profiles: PSO Coated v3 (FOGRA51) for coated stocks and PSO Uncoated v3 "
                "(FOGRA52) for uncoated stocks.",
                "Total ink limit: 300% on coated stocks and 260% on uncoated stocks.",
                "Rich black for large solid areas: C 60 M 40 Y 40 K 100. Text is never printed "
                "in rich black; use Deep Harbour.",
                "File format: PDF/X-4 with all fonts embedded and all images linked at full resolution.",
            ],
        ),
    ],
    [
        ("h1", "2. Colour in print"),
        (
            "p",
            "Our colours are defined for screen in the visual identity chapter. On paper and "
            "packaging, use the print references below. Coated stocks use the Pantone C "
            "references; on uncoated stocks, match to the Pantone U references or use the "
            "adjusted CMYK builds, which have been tuned on press to look right on uncoated paper.",
        ),
        (
            "table",
            {
                "widths": (38, 30, 30, 62),
                "rows": [
                    ("Colour", "Pantone (coated)", "Pantone (uncoated)", "CMYK build for uncoated stock"),
                    ("Tidewell Teal", "7712 C", "7712 U", "C 80 M 20 Y 35 K 5"),
                    ("Deep Harbour", "7463 C", "7463 U", "C 95 M 70 Y 35 K 35"),
                    ("Sea Foam", "9520 C", "9520 U", "C 6 M 0 Y 5 K 0"),
                    ("Citrus Zest", "7409 C", "7409 U", "C 0 M 30 Y 85 K 0"),
                    ("Coral Bloom", "170 C", "170 U", "C 0 M 55 Y 50 K 0"),
                ],
            },
        ),
        ("h2", "Deep Kelp: our print-only colour"),
        (
            "p",
            "Deep Kelp is a dark sea green used only in print. It has no screen equivalent, no "
            "HEX or RGB value and no Pantone reference, and it must never be used in digital work. "
            "It is always printed as a four-colour build:",
        ),
        ("bullets", ["Deep Kelp: C 85 M 30 Y 75 K 40"]),
        (
            "p",
            "Use Deep Kelp for the neck collars of the 750 ml bottles, the ends of shipping cases "
            "and the back panel of gift boxes. Never use it on the front of a can or as a "
            "background behind the logo.",
        ),
        ("h2", "Colour accuracy"),
        (
            "bullets",
            [
                "Every new pack and every colour-critical item needs a contract proof.",
                "Colour tolerance on press: Delta E 2.0 or less (CIEDE2000) against the approved proof.",
                "The Brand Studio attends the first press run of every new pack.",
            ],
        ),
    ],
    [
        ("h1", "3. Paper and finishes"),
        (
            "p",
            "We choose papers that feel natural in the hand and can be recycled easily. All paper "
            "and board must be FSC-certified or contain at least 80% recycled fibre. Use the "
            "stocks below unless the Brand Studio agrees an alternative.",
        ),
        (
            "table",
            {
                "widths": (40, 32, 58, 30),
                "rows": [
                    ("Item", "Size", "Stock", "Finish"),
                    ("Business cards", "85 x 55 mm", "450 gsm uncoated board", "Blind emboss"),
                    ("Leaflets", "A5", "170 gsm recycled uncoated", "None"),
                    ("Posters", "A2 and A1", "200 gsm silk", "None"),
                    ("Recipe cards", "A6", "350 gsm uncoated board", "None"),
                    ("Shelf strips", "600 x 40 mm", "400 gsm folding box board", "Water-based varnish"),
                    ("Shipping cases", "24 x 330 ml", "Kraft corrugated, 100% recycled", "2-colour flexo"),
                ],
            },
        ),
        ("h2", "Finishes we do not use"),
        (
            "bullets",
            [
                "No gloss or matt plastic lamination on any printed item.",
                "No metallic foils, glitter or spot UV, because they make paper harder to recycle.",
                "Varnish, where it is needed for rub resistance, is always water-based.",
            ],
        ),
        (
            "p",
            "A blind emboss of the full logo is the only decorative finish we use, and only on "
            "business cards and gift boxes.",
        ),
    ],
    [
        ("h1", "4. Packaging and dielines"),
        ("h2", "330 ml slim cans"),
        (
            "p",
            "Cans are printed directly onto the aluminium body in up to six colours. Always build "
            "can artwork on the official dieline template supplied by the Brand Studio; never "
            "redraw it from a photograph of a can.",
        ),
        (
            "bullets",
            [
                "Current can template: TW-CAN-330-v4.",
                "Keep all text at least 6 mm from the top and bottom of the printable area, where the can narrows.",
                "The flavour name and logo face forward when the ring pull points away from the drinker.",
            ],
        ),
        ("h2", "750 ml glass bottles"),
        (
            "bullets",
            [
                "Bottle label: 210 x 90 mm wraparound paper label, applied with wet glue.",
                "Labels must wash off cleanly in the Refill Loop bottle washer, so use only the "
                "approved wash-off label paper and glue.",
                "The neck collar is printed in Deep Kelp and carries the flavour name only.",
            ],
        ),
        ("h2", "Dieline rules"),
        (
            "bullets",
            [
                "Put the dieline on its own layer named DIELINE, in a spot colour set to overprint.",
                "Never merge the dieline into the artwork or print it on the final job.",
                "Extend background colour and images 3 mm beyond every cut line.",
                "Mark glue areas and folds on the dieline layer, never on the artwork.",
            ],
        ),
        ("h2", "Mandatory pack information"),
        (
            "bullets",
            [
                "Legal text and ingredients: minimum x-height of 1.2 mm.",
                "EAN-13 barcode in Deep Harbour on a white panel, at no less than 80% magnification "
                "and with its full quiet zone.",
                "Every pack carries the recycling mark and the Refill Loop symbol on the back panel.",
            ],
        ),
    ],
    [
        ("h1", "5. Proofing, files and sign-off"),
        ("h2", "File naming"),
        (
            "p",
            "Name every print-ready file using the pattern below, so that printers and the Brand "
            "Studio can always tell which version is current:",
        ),
        (
            "bullets",
            ["TW_item_flavour_version_YYYYMMDD.pdf", "Example: TW_can330_citrus-sea-fennel_v4_20250303.pdf"],
        ),
        ("h2", "Sign-off"),
        (
            "bullets",
            [
                "Print-ready files are checked by the Brand Studio and the quality team.",
                "Packaging lead time: allow 15 working days from final artwork to press.",
                "Only suppliers on the Brand Studio's approved printer list may print Tidewell packaging.",
                "Send files and questions to print@tidewell.example.",
            ],
        ),
        ("h2", "Print checklist"),
        (
            "bullets",
            [
                "Are all images 300 dpi at final size?",
                "Is there 3 mm bleed, and is everything important 8 mm inside the trim?",
                "Is the file CMYK, with the correct ICC profile, exported as PDF/X-4?",
                "Is Deep Kelp used only on bottle collars, case ends and gift box backs?",
                "Has a contract proof been approved?",
            ],
        ),
    ],
]


class GuidelinePDF(FPDF):
    """FPDF with the repeated Tidewell footer on every page."""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(*DEEP_HARBOUR)
        self.cell(0, 10, FOOTER.format(n=self.page_no()), align="C")


def _check_latin1(text: str) -> str:
    text.encode("latin-1")  # core fonts only cover Latin-1; fail loudly otherwise
    return text


def _lines(pdf: GuidelinePDF, height: float, text: str) -> None:
    """Write a wrapped paragraph and move to the start of the next line."""
    pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _block(pdf: GuidelinePDF, kind: str, payload: object) -> None:
    if kind == "title":
        pdf.set_font("Helvetica", "B", 26)
        pdf.set_text_color(*TIDEWELL_TEAL)
        _lines(pdf, 12, _check_latin1(str(payload)))
    elif kind == "subtitle":
        pdf.set_font("Helvetica", "", 11)
        pdf.set_text_color(*DEEP_HARBOUR)
        _lines(pdf, 6, _check_latin1(str(payload)))
        pdf.ln(4)
    elif kind == "h1":
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 17)
        pdf.set_text_color(*TIDEWELL_TEAL)
        _lines(pdf, 9, _check_latin1(str(payload)))
        pdf.ln(1)
    elif kind == "h2":
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 13)
        pdf.set_text_color(*DEEP_HARBOUR)
        _lines(pdf, 7, _check_latin1(str(payload)))
    elif kind == "p":
        pdf.set_font("Helvetica", "", 10)
        pdf.set_text_color(*DEEP_HARBOUR)
        _lines(pdf, 5, _check_latin1(str(payload)))
        pdf.ln(2)
    elif kind == "bullets":
        pdf.set_font("Helvetica", "", 10)
        pdf.set_text_color(*DEEP_HARBOUR)
        assert isinstance(payload, list)
        for item in payload:
            pdf.set_x(pdf.l_margin + 4)
            _lines(pdf, 5, _check_latin1("- " + item))
            pdf.ln(1)
        pdf.ln(1)
    elif kind == "table":
        assert isinstance(payload, dict)
        pdf.set_font("Helvetica", "", 9.5)
        pdf.set_text_color(*DEEP_HARBOUR)
        with pdf.table(
            col_widths=payload["widths"],
            text_align="LEFT",
            line_height=6,
            first_row_as_headings=True,
        ) as table:
            for row in payload["rows"]:
                cells = table.row()
                for value in row:
                    cells.cell(_check_latin1(value))
        pdf.ln(4)
    else:
        raise ValueError(f"unknown block kind: {kind}")


def build(out: Path) -> Path:
    pdf = GuidelinePDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.set_creation_date(datetime(2025, 3, 3, 9, 0, 0, tzinfo=UTC))
    pdf.set_title("Tidewell Brand Guidelines - 07 Print and Production")
    pdf.set_author("Tidewell Brand Studio")
    pdf.set_subject("Print specifications, colour in print, paper stocks, packaging and dielines")
    pdf.set_creator("docs/tools/make_sample_pdf.py")
    pdf.set_lang("en-GB")
    for page in PAGES:
        pdf.add_page()
        for kind, payload in page:
            _block(pdf, kind, payload)
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))
    return out


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    path = build(out)
    print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
