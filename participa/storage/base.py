"""The storage interface every backend implements (``participa.storage``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from flask import Response

KEY_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.\-]*)*")


def check_key(key: str) -> str:
    """``key`` if it is a safe relative key (no ``..``, no leading ``/``), else ValueError."""
    if not KEY_RE.fullmatch(key) or any(part in ("..", ".") for part in key.split("/")):
        raise ValueError(f"not a storage key: {key!r}")
    return key


@dataclass(frozen=True)
class Stored:
    """What :meth:`Storage.write` wrote: the key, its size in bytes and its sha256."""

    key: str
    bytes: int
    sha256: str


class Storage(Protocol):
    """Files by key. Writes are whole or nothing: a reader sees the previous content or the
    new one, never part of it."""

    def write(
        self, key: str, chunks: Iterable[str | bytes], *, content_type: str | None = None
    ) -> Stored:
        """Store the concatenated ``chunks`` (text is UTF-8) under ``key``, streaming (flat
        memory whatever the size), replacing what was there."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The stored bytes, to read (FileNotFoundError if there are none)."""
        ...

    def read_chunks(self, key: str, size: int = 256 * 1024) -> Iterator[bytes]:
        """The stored bytes in chunks of ``size`` (FileNotFoundError if there are none)."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove ``key``; nothing happens if it is not there."""
        ...

    def delete_prefix(self, prefix: str) -> None:
        """Remove every key under the folder ``prefix`` (``opendata/x/v1``)."""
        ...

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key under the folder ``prefix``, sorted."""
        ...

    def response(
        self,
        key: str,
        *,
        mimetype: str,
        download_name: str | None = None,
        max_age: int | None = None,
    ) -> Response:
        """An answer serving ``key`` (404 if it is not there) with ETag, Last-Modified and
        Range support: the file itself (local) or a redirect to a short-lived signed URL
        (object storage); ``download_name`` makes it an attachment."""
        ...

    def check(self) -> None:
        """Raise if the storage cannot be reached (``/readyz``)."""
        ...
