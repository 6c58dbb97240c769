"""Parsing of cell values written the Vietnamese way."""

from __future__ import annotations

from datetime import date, datetime

from chiso.io.tables import CellValue


def parse_date(value: CellValue) -> date | None:
    """Accept 2025-07-01, 01/07/2025 and spreadsheet dates; None for anything else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_number(value: CellValue) -> float | None:
    """A number written "31,14", "31.14", "1.234" or "1,234.5"; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value or "").strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        text = text.replace(thousands, "").replace(decimal, ".")
    elif "," in text:
        text = text.replace(",", ".") if text.count(",") == 1 else text.replace(",", "")
    elif text.count(".") > 1 or _looks_like_thousands(text):
        text = text.replace(".", "")
    try:
        return float(text)
    except ValueError:
        return None


def _looks_like_thousands(text: str) -> bool:
    """ "1.234" is one thousand two hundred thirty-four in Vietnamese; "31.14" is a decimal."""
    head, _, tail = text.lstrip("-").partition(".")
    return len(tail) == 3 and head.isdigit() and head != "0" and len(head) <= 3
