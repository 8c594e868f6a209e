"""Storage in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage, …) through boto3.

``STORAGE_URL=s3://bucket/prefix``; ``STORAGE_S3_ENDPOINT_URL`` for a server other than
AWS, ``STORAGE_S3_REGION``; the credentials come from the standard AWS environment
variables or files (never from the application's settings). ``STORAGE_SERVE`` says how a
file is served: ``redirect`` (the default) answers with a redirect to a short-lived
presigned GET URL (``STORAGE_URL_TTL`` seconds; the bucket answers Range and
If-None-Match itself), ``stream`` proxies the object through the web process, passing
Range and If-None-Match on to the bucket (206 and 304 come back as they are).

Writes stream: the chunks are read through a file-like reader by ``upload_fileobj``
(multipart above 8 MB, one part in memory at a time, read in the caller's thread) and
hashed on the way. An object
appears whole when its upload completes; a failed upload is aborted and leaves nothing.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, BinaryIO, cast
from urllib.parse import quote

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.client import Config
from botocore.exceptions import ClientError
from flask import Response, abort, request

from participa.storage.base import Stored, check_key

PART_BYTES = 8 * 1024 * 1024
# No threads: the chunks are read in the caller's thread (they often come from database
# queries, bound to its application context and session), one part at a time.
TRANSFER = TransferConfig(
    multipart_threshold=PART_BYTES, multipart_chunksize=PART_BYTES, use_threads=False
)
PRIVATE_TTL = 60  # seconds a presigned URL of a private file (a data archive) lasts
MISSING = ("404", "NoSuchKey", "NotFound")


class _ChunkReader(io.RawIOBase):
    """A read-only file over an iterable of chunks, hashing what it hands out. ``read(n)``
    returns ``n`` bytes until the end (a multipart upload's parts must be full)."""

    def __init__(self, chunks: Iterable[str | bytes]) -> None:
        self._chunks = iter(chunks)
        self._rest = b""
        self._done = False
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def _next(self) -> bytes:
        for chunk in self._chunks:
            data = chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)
            if data:
                return data
        self._done = True
        return b""

    def read(self, size: int | None = -1) -> bytes:
        pieces, wanted = [], size if size is not None and size >= 0 else None
        have = 0
        while wanted is None or have < wanted:
            data = self._rest or self._next()
            if not data:
                break
            take = len(data) if wanted is None else min(len(data), wanted - have)
            pieces.append(data[:take] if take < len(data) else data)
            self._rest = data[take:] if take < len(data) else b""
            have += take
        out = b"".join(pieces)
        self.digest.update(out)
        self.size += len(out)
        return out

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)


def content_disposition(download_name: str) -> str:
    """``attachment`` with the name as ASCII and, when it is not, RFC 5987 UTF-8 too."""
    ascii_name = download_name.encode("ascii", "replace").decode().replace('"', "")
    value = f'attachment; filename="{ascii_name}"'
    if ascii_name != download_name:
        value += f"; filename*=UTF-8''{quote(download_name, safe='')}"
    return value


class S3Storage:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        serve: str = "redirect",
        url_ttl: int = 300,
    ) -> None:
        if serve not in ("redirect", "stream"):
            raise ValueError(f"STORAGE_SERVE must be redirect or stream, not {serve!r}")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.serve = serve
        self.url_ttl = url_ttl
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            config=Config(signature_version="s3v4", retries={"mode": "standard"}),
        )

    @classmethod
    def from_url(cls, url: str, **options: Any) -> S3Storage:
        rest = url.removeprefix("s3://")
        bucket, _slash, prefix = rest.partition("/")
        if not bucket:
            raise ValueError("STORAGE_URL: s3://bucket/prefix needs a bucket")
        return cls(bucket, prefix, **options)

    def object_key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _folder(self, prefix: str) -> str:
        return self.object_key(prefix.strip("/")) + "/"

    # --- writing and reading ----------------------------------------------------------

    def write(
        self, key: str, chunks: Iterable[str | bytes], *, content_type: str | None = None
    ) -> Stored:
        reader = _ChunkReader(chunks)
        extra = {"ContentType": content_type or "application/octet-stream"}
        self.client.upload_fileobj(
            reader, self.bucket, self.object_key(key), ExtraArgs=extra, Config=TRANSFER
        )
        return Stored(key, reader.size, reader.digest.hexdigest())

    def _get(self, key: str, **params: Any) -> dict:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.object_key(key), **params)
        except ClientError as error:
            if _code(error) in MISSING:
                raise FileNotFoundError(key) from None
            raise

    def open(self, key: str) -> BinaryIO:
        return cast(BinaryIO, self._get(key)["Body"])

    def read_chunks(self, key: str, size: int = 256 * 1024) -> Iterator[bytes]:
        body = self._get(key)["Body"]  # FileNotFoundError now, not at the first chunk

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(size)
            finally:
                body.close()

        return chunks()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as error:
            if _code(error) in MISSING:
                return False
            raise
        return True

    def modified(self, key: str) -> datetime:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as error:
            if _code(error) in MISSING:
                raise FileNotFoundError(key) from None
            raise
        return head["LastModified"]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    def _object_keys(self, prefix: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._folder(prefix)
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"]

    def delete_prefix(self, prefix: str) -> None:
        batch: list[dict] = []
        for name in self._object_keys(prefix):
            batch.append({"Key": name})
            if len(batch) == 1000:  # the most one request deletes
                self._delete_batch(batch)
                batch = []
        if batch:
            self._delete_batch(batch)

    def _delete_batch(self, batch: list[dict]) -> None:
        self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def keys(self, prefix: str) -> Iterator[str]:
        strip = len(self.prefix) + 1 if self.prefix else 0
        return iter(sorted(name[strip:] for name in self._object_keys(prefix)))

    def check(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)

    # --- serving ----------------------------------------------------------------------

    def response(
        self,
        key: str,
        *,
        mimetype: str,
        download_name: str | None = None,
        max_age: int | None = None,
        etag: str | None = None,
        private: bool = False,
    ) -> Response:
        """``etag`` is not used: the bucket's own ETag is the one served (and compared)."""
        if private:
            cache = "private, no-store"
        elif max_age is not None:
            cache = f"public, max-age={max_age}"
        else:
            cache = "no-cache"
        if self.serve == "redirect":
            return self._redirect(key, mimetype, download_name, cache, private)
        return self._stream(key, mimetype, download_name, cache)

    def _redirect(
        self, key: str, mimetype: str, download_name: str | None, cache: str, private: bool
    ) -> Response:
        if not self.exists(key):
            abort(404)
        params = {
            "Bucket": self.bucket,
            "Key": self.object_key(key),
            "ResponseContentType": mimetype,
            "ResponseCacheControl": cache,
        }
        if download_name is not None:
            params["ResponseContentDisposition"] = content_disposition(download_name)
        ttl = min(self.url_ttl, PRIVATE_TTL) if private else self.url_ttl
        url = self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl)
        response = Response(status=302, headers={"Location": url})
        # the redirect must not outlive its URL
        response.headers["Cache-Control"] = (
            "private, no-store" if private else f"public, max-age={max(ttl // 2, 0)}"
        )
        return response

    def _stream(self, key: str, mimetype: str, download_name: str | None, cache: str) -> Response:
        params: dict[str, Any] = {}
        if request.range is not None and request.headers.get("Range"):
            params["Range"] = request.headers["Range"]
        if request.headers.get("If-None-Match"):
            params["IfNoneMatch"] = request.headers["If-None-Match"]
        try:
            found = self._get(key, **params)
        except FileNotFoundError:
            abort(404)
        except ClientError as error:
            code = _code(error)
            if code in ("304", "NotModified"):
                headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
                response = Response(status=304)
                if headers.get("etag"):
                    response.headers["ETag"] = headers["etag"]
                response.headers["Cache-Control"] = cache
                return response
            if code in ("416", "InvalidRange"):
                abort(416)
            raise
        body = found["Body"]
        headers = {
            "Content-Length": str(found["ContentLength"]),
            "Accept-Ranges": "bytes",
            "Cache-Control": cache,
        }
        if found.get("ETag"):
            headers["ETag"] = found["ETag"]
        if found.get("ContentRange"):
            headers["Content-Range"] = found["ContentRange"]
        if download_name is not None:
            headers["Content-Disposition"] = content_disposition(download_name)
        response = Response(
            body.iter_chunks(256 * 1024),
            status=206 if found.get("ContentRange") else 200,
            headers=headers,
            mimetype=mimetype,
            direct_passthrough=True,
        )
        if found.get("LastModified"):
            response.last_modified = found["LastModified"]
        response.call_on_close(body.close)
        return response


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
