"""Photo metadata removal: what a phone writes into a picture (GPS, device, author) is
gone, the picture's own bytes are untouched, and odd files come back unharmed."""

import struct
import zlib

import pytest

from participa.accountability.photo_metadata import strip_metadata

SECRET = b"GPSLatitude 25.6866 N; Pixel 8; Ana Perez"


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def chunk(kind: bytes, payload: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + payload))
    return struct.pack(">I", len(payload)) + kind + payload + crc


def riff(*chunks: bytes) -> bytes:
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp_chunk(fourcc: bytes, payload: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)


def test_jpeg_loses_exif_xmp_and_comments_and_keeps_colours_and_the_picture():
    jfif = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    icc = segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + bytes(20))
    adobe = segment(0xEE, b"Adobe\x00" + bytes(6))
    tables = segment(0xDB, bytes(65)) + segment(0xC0, bytes(15)) + segment(0xC4, bytes(30))
    scan = segment(0xDA, bytes(10)) + b"\x12\x34\xff\x00\x56" + b"\xff\xd9"
    photo = (
        b"\xff\xd8"
        + jfif
        + segment(0xE1, b"Exif\x00\x00" + SECRET)
        + segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + SECRET)
        + icc
        + segment(0xED, b"Photoshop 3.0\x00" + SECRET)
        + segment(0xFE, SECRET)
        + adobe
        + tables
        + scan
    )
    assert strip_metadata(photo, "jpg") == b"\xff\xd8" + jfif + icc + adobe + tables + scan


def test_png_loses_its_text_exif_and_time_chunks():
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    data = chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    end = chunk(b"IEND", b"")
    photo = (
        b"\x89PNG\r\n\x1a\n"
        + header
        + chunk(b"tEXt", b"Author\x00" + SECRET)
        + chunk(b"eXIf", b"MM\x00*" + SECRET)
        + chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + SECRET)
        + chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(SECRET))
        + chunk(b"tIME", bytes(7))
        + data
        + end
    )
    assert strip_metadata(photo, "png") == b"\x89PNG\r\n\x1a\n" + header + data + end


def test_webp_loses_its_exif_and_xmp_chunks_and_their_flags():
    vp8x = webp_chunk(b"VP8X", bytes([0x08 | 0x04 | 0x10]) + bytes(9))  # Exif, XMP, alpha
    image = webp_chunk(b"VP8L", b"\x2f" + bytes(12))
    photo = riff(vp8x, image, webp_chunk(b"EXIF", SECRET), webp_chunk(b"XMP ", SECRET + b"!"))
    stripped = strip_metadata(photo, "webp")
    assert SECRET not in stripped
    assert stripped == riff(webp_chunk(b"VP8X", bytes([0x10]) + bytes(9)), image)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64), "jpg"),  # cut short
        (b"\xff\xd8\xff\xe1\xff\xff" + SECRET, "jpg"),  # a segment longer than the file
        (b"\x89PNG\r\n\x1a\n\x00\x00\x01\x00tEXt" + SECRET, "png"),
        (b"RIFF\x24\x00\x00\x00WEBPEXIF\xff\x00\x00\x00" + SECRET, "webp"),
    ],
)
def test_files_that_cannot_be_followed_come_back_as_they_were(data, kind):
    assert strip_metadata(data, kind) == data
