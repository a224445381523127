"""A submitted plan as a PDF, for the course team's export: fpdf2's public API, the fonts the
certificates bundle (Latin, Arabic, Korean), text shaped with HarfBuzz."""

from pathlib import Path

from fpdf import FPDF

import app.certificates

FONTS = Path(app.certificates.__file__).parent / "fonts"
FAMILIES = {
    "serif": "NotoSerif-Regular.ttf",
    "serif-bold": "NotoSerif-Bold.ttf",
    "arabic": "NotoNaskhArabic-Regular.ttf",
    "hangul": "CCHangulSerif-Regular.ttf",
}


def plan_pdf(
    *, course_title: str, assignment, plan, author: str, place: str, lines: list[str]
) -> bytes:
    """The plan's title, author, sections and the grade lines given, one section after another."""
    pdf = FPDF(format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    for family, file in FAMILIES.items():
        pdf.add_font(family, "", str(FONTS / file))
    pdf.set_fallback_fonts(["arabic", "hangul"])
    pdf.set_text_shaping(True)
    pdf.set_title(plan.title or assignment.title)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("serif", size=9)
    pdf.multi_cell(width, 5, f"{course_title} · {assignment.title}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("serif-bold", size=16)
    pdf.multi_cell(width, 8, plan.title or "—", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("serif", size=10)
    pdf.multi_cell(
        width, 5, " · ".join(p for p in (author, place) if p), new_x="LMARGIN", new_y="NEXT"
    )
    for line in lines:
        pdf.multi_cell(width, 5, line, new_x="LMARGIN", new_y="NEXT")
    for section in assignment.sections:
        pdf.ln(4)
        pdf.set_font("serif-bold", size=12)
        pdf.multi_cell(width, 6, section["title"], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("serif", size=10.5)
        text = plan.sections.get(section["id"], "") or "—"
        pdf.multi_cell(width, 5.5, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
