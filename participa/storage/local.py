"""Storage in a local folder: the embedded default (the instance folder), or a folder every
node mounts (NFS and the like)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from flask import Response, abort, send_file

from participa.storage.base import Stored, check_key


class LocalStorage:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def write(
        self, key: str, chunks: Iterable[str | bytes], *, content_type: str | None = None
    ) -> Stored:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
                    digest.update(data)
                    size += len(data)
                    out.write(data)
            os.chmod(temp, 0o644)
            os.replace(temp, target)  # whole or nothing
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return Stored(key, size, digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")

    def read_chunks(self, key: str, size: int = 256 * 1024) -> Iterator[bytes]:
        stream = self.open(key)  # FileNotFoundError now, not at the first chunk

        def chunks() -> Iterator[bytes]:
            with stream:
                while data := stream.read(size):
                    yield data

        return chunks()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self.path(prefix), ignore_errors=True)

    def keys(self, prefix: str) -> Iterator[str]:
        folder = self.path(prefix)
        if not folder.is_dir():
            return iter(())
        found = (
            p.relative_to(self.root).as_posix()
            for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".tmp-")
        )
        return iter(sorted(found))

    def response(
        self,
        key: str,
        *,
        mimetype: str,
        download_name: str | None = None,
        max_age: int | None = None,
    ) -> Response:
        path = self.path(key)
        if not path.is_file():
            abort(404)
        return send_file(
            path,
            mimetype=mimetype,
            as_attachment=download_name is not None,
            download_name=download_name,
            conditional=True,  # ETag, Last-Modified, Range
            etag=True,
            max_age=max_age,
        )

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise PermissionError(f"storage folder not writable: {self.root}")
