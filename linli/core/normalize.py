"""Normalising what people type: full-width characters and stray spaces."""

import unicodedata


def fold_width(text: str) -> str:
    """Full-width digits, letters and spaces become their ASCII forms (NFKC), and outer space is cut."""
    return unicodedata.normalize("NFKC", text).strip()


def squeeze(text: str) -> str:
    """Fold width and drop every white-space character (as pasted ID numbers and phones often carry)."""
    return "".join(fold_width(text).split())
