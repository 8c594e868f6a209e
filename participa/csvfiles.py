"""Reading uploaded CSV files, shared by the census, accountability and officing imports.

``read_upload`` turns the bytes of an upload into text (UTF-8, else Windows-1252 with a
note saying so) and refuses what is not text; ``csv_rows`` splits that text into the
non-blank rows with their line numbers, guessing the separator as spreadsheets write it,
and refuses control characters, overlong cells and broken quoting. ``shown`` and
``separator_hint`` help word the messages about a bad row.
"""

from __future__ import annotations

import csv
import io
import re

from flask_babel import gettext as _

from participa.errors import Invalid


def read_upload(data: bytes) -> tuple[str, str | None]:
    """The text of an uploaded CSV file: UTF-8 (with or without BOM), else Windows-1252
    (Latin-1, as older spreadsheets save CSV), with a note saying so to show with the
    result. A file with NUL bytes is not text (a spreadsheet, an image, UTF-16): it is
    refused with ``Invalid``."""
    if b"\x00" in data:
        raise Invalid(_not_text())
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise Invalid(_not_text()) from error
    return text, _(
        "El archivo no estaba en UTF-8: lo leímos como Latin-1 (Windows-1252). Revisa que "
        "los acentos y la ñ se vean bien; la próxima vez guárdalo como «CSV UTF-8»."
    )


def _not_text() -> str:
    return _(
        "El archivo no es un archivo CSV de texto (¿una hoja de cálculo o una imagen?). "
        "Guárdalo como «CSV UTF-8 (delimitado por comas)» y súbelo de nuevo."
    )


MAX_CELL = 1000  # characters in one cell of an uploaded CSV: longer is a mistake
# control characters other than tab, line feed and carriage return: not in a text CSV
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
OTHER_SEPARATORS = ("|", "\t", ";")


def shown(value: str, limit: int = 60) -> str:
    """A value from a file, cut to ``limit`` characters to quote it in a message."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def separator_hint(cells: list[str]) -> str | None:
    """When a CSV row came out as one cell holding another separator, how to fix it."""
    if len(cells) == 1 and any(sep in cells[0] for sep in OTHER_SEPARATORS):
        return _("Separa las columnas con comas (,).")
    return None


def csv_rows(text: str, delimiter: str | None = None) -> list[tuple[int, list[str]]]:
    """Non-blank rows of ``text`` with the line number where each starts. The delimiter
    is ``delimiter``, else a comma, or a semicolon (or a tab) when the first line has
    semicolons (tabs) and no commas, as spreadsheets write CSV in Spanish (and as a copy
    from a spreadsheet pastes).

    Raises ``Invalid`` naming the line for control characters (the file is not text), a
    cell longer than ``MAX_CELL`` or broken quoting."""
    text = text.lstrip("\ufeff")
    control = CONTROL_RE.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise Invalid(
            _(
                "Línea %(line)d: tiene caracteres de control; el archivo no es un CSV de texto.",
                line=line,
            )
        )
    first = text.split("\n", 1)[0]
    if delimiter is None:
        delimiter = ","
        if "," not in first:
            delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
    # strict: an unclosed quote is refused, not read on to the end of the file as one cell
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    rows = []
    start = 1
    try:
        for row in reader:
            longest = max((len(cell) for cell in row), default=0)
            if longest > MAX_CELL:
                raise Invalid(
                    _(
                        "Línea %(line)d: la línea es demasiado larga (una celda tiene "
                        "%(n)d caracteres; el máximo es %(max)d).",
                        line=start,
                        n=longest,
                        max=MAX_CELL,
                    )
                )
            if any(cell.strip() for cell in row):
                rows.append((start, [cell.strip() for cell in row]))
            start = reader.line_num + 1
    except csv.Error as error:
        raise Invalid(
            _(
                "Línea %(line)d: el CSV no es válido (unas comillas sin cerrar o una línea "
                "demasiado larga).",
                line=start,
            )
        ) from error
    return rows
