"""CSV downloads: one Content-Type, and an "Excel" variant that starts with a UTF-8 BOM.

The CSV files are plain UTF-8 without a byte order mark: they are the recountable open data
(their sha256 is published) and every CSV reader takes them as they are. Excel on Windows,
however, reads a CSV without a BOM in the machine's old code page, so "Participación"
becomes "ParticipaciÃ³n". The same file with ``?excel=1`` starts with the BOM
(``EF BB BF``), which Excel takes as "this is UTF-8"; nothing else differs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Response, request

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"  # set as is: werkzeug adds no second charset
BOM = "\ufeff"
EXCEL_ARG = "excel"


def wants_excel() -> bool:
    """Whether the request asks for the Excel variant (``?excel=1``)."""
    return request.args.get(EXCEL_ARG) == "1"


def excel_name(filename: str) -> str:
    """``resultados.csv`` -> ``resultados-excel.csv``."""
    stem, dot, ext = filename.rpartition(".")
    return f"{stem}-excel.{ext}" if dot else f"{filename}-excel"


def with_bom(body: str | bytes | Iterable[str | bytes]) -> Iterator[bytes]:
    """``body`` (text, bytes or an iterable of either, e.g. a stream) preceded by the BOM,
    as UTF-8 bytes (what werkzeug would send for text: one type whatever the chunks)."""
    if isinstance(body, str | bytes):
        body = [body]
    prefix = BOM.encode()
    for chunk in body:
        yield prefix + (chunk.encode() if isinstance(chunk, str) else chunk)
        prefix = b""
    if prefix:
        yield prefix


def csv_response(body: str | Iterable[str] | Iterable[bytes], filename: str) -> Response:
    """A CSV attachment; with ``?excel=1``, the same bytes preceded by a UTF-8 BOM."""
    content: str | Iterable[str] | Iterable[bytes] = body
    if wants_excel():
        content, filename = with_bom(body), excel_name(filename)
    return Response(
        content,
        content_type=CSV_CONTENT_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
