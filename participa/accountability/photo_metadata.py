"""Removing the metadata of uploaded photos: where a phone took them (GPS), with which
device, when, by whom. Pure: bytes in, bytes out, no image library.

The picture itself is copied byte for byte; only metadata containers are left out:

- JPEG: the APP1 (Exif, XMP), APP3–APP13 and APP15 segments and comments before the
  first scan (APP0/JFIF, the ICC profile in APP2 and Adobe's APP14, which decide the
  colours, stay);
- PNG: the ``eXIf``, ``tEXt``, ``zTXt``, ``iTXt`` and ``tIME`` chunks;
- WebP: the ``EXIF`` and ``XMP `` chunks (and their flags in ``VP8X``).

A file whose structure cannot be followed is returned as it came from the point where it
stops making sense (the type check of the upload has already looked at its first bytes).
"""

from __future__ import annotations

import struct

JPEG_DROPPED = {0xE1, *range(0xE3, 0xEE), 0xEF, 0xFE}  # APP1, APP3–APP13, APP15, COM
JPEG_START_OF_SCAN = 0xDA
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_DROPPED = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}
WEBP_DROPPED = {b"EXIF", b"XMP "}
WEBP_VP8X_METADATA_FLAGS = 0x08 | 0x04  # Exif, XMP


def strip_metadata(data: bytes, kind: str) -> bytes:
    """``data`` (a ``jpg``, ``png`` or ``webp`` file) without its metadata."""
    strip = {"jpg": _jpeg, "png": _png, "webp": _webp}[kind]
    return strip(data)


def _jpeg(data: bytes) -> bytes:
    kept = [data[:2]]  # SOI
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == JPEG_START_OF_SCAN:
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            break
        if marker not in JPEG_DROPPED:
            kept.append(data[pos:end])
        pos = end
    kept.append(data[pos:])  # the scans, or whatever could not be followed
    return b"".join(kept)


def _png(data: bytes) -> bytes:
    kept = [data[:8]]
    pos = 8
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            break
        if kind not in PNG_DROPPED:
            kept.append(data[pos:end])
        pos = end
        if kind == b"IEND":
            break
    kept.append(data[pos:])
    return b"".join(kept)


def _webp(data: bytes) -> bytes:
    chunks = []
    pos = 12  # "RIFF", size, "WEBP"
    while pos + 8 <= len(data):
        fourcc = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        end = pos + 8 + size + (size & 1)  # chunks are padded to an even length
        if end > len(data):
            return data  # not a structure this code can rewrite safely: left as it is
        chunk = data[pos:end]
        if fourcc == b"VP8X" and size >= 1:
            flags = chunk[8] & ~WEBP_VP8X_METADATA_FLAGS
            chunk = chunk[:8] + bytes([flags]) + chunk[9:]
        if fourcc not in WEBP_DROPPED:
            chunks.append(chunk)
        pos = end
    body = b"WEBP" + b"".join(chunks) + data[pos:]
    return b"RIFF" + struct.pack("<I", len(body)) + body
