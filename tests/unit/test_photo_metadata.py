"""Photo metadata removal by re-encoding: what a phone writes into a picture (GPS, device,
author) is gone whatever trick hides it, the picture stays (upright), and a file that
cannot be decoded is refused, never stored as it came."""

import io
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from participa.accountability.photo_metadata import (
    MAX_PIXELS,
    PhotoTooLarge,
    UnreadablePhoto,
    strip_metadata,
)
from tests.support.accountability import AUTHOR, DEVICE, LATITUDE, WHERE, exif, jpeg

SECRETS = (AUTHOR.encode(), DEVICE.encode(), WHERE.encode(), b"Exif")


def leaked(data: bytes) -> list[bytes]:
    return [s for s in SECRETS if s in data]


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def chunk(kind: bytes, payload: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + payload))
    return struct.pack(">I", len(payload)) + kind + payload + crc


def test_the_secrets_are_in_the_test_photo_to_begin_with():
    photo = jpeg(exif=exif().tobytes())
    assert leaked(photo) == list(SECRETS)
    assert decoded(photo).getexif().get_ifd(0x8825)[2] == LATITUDE


def test_jpeg_loses_exif_gps_and_comments_and_keeps_the_picture():
    photo = jpeg(exif=exif().tobytes(), comment=AUTHOR.encode())
    clean = strip_metadata(photo, "jpg")
    assert leaked(clean) == []
    image = decoded(clean)
    assert image.format == "JPEG" and image.size == (8, 6)
    assert not image.getexif() and not image.getexif().get_ifd(0x8825)
    assert "comment" not in image.info and "exif" not in image.info
    assert all(abs(a - b) < 8 for a, b in zip(image.getpixel((4, 3)), (10, 120, 200), strict=True))


def test_a_second_image_after_the_end_marker_is_dropped():
    """The attack that beat the byte filter: a clean picture, then after its end marker
    (FF D9) a whole second JPEG carrying the GPS position and the author."""
    photo = jpeg() + jpeg(size=(2, 2), exif=exif().tobytes())
    assert leaked(photo)
    clean = strip_metadata(photo, "jpg")
    assert leaked(clean) == []
    assert decoded(clean).size == (8, 6)
    assert clean.count(b"\xff\xd8") == 1  # one image


def test_a_fill_byte_before_the_exif_segment_does_not_hide_it():
    """JPEG allows 0xFF fill bytes before a marker: FF FF E1 ... is still an Exif
    segment, and the byte filter stopped reading there, keeping the rest as it came."""
    plain = jpeg()
    payload = b"Exif\x00\x00" + exif().tobytes()
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    photo = plain[:2] + b"\xff" + segment + plain[2:]
    assert leaked(photo)
    assert decoded(photo).getexif().get(0x013B) == AUTHOR  # decoders do read it
    clean = strip_metadata(photo, "jpg")
    assert leaked(clean) == []
    assert decoded(clean).size == (8, 6)


def test_exif_orientation_is_applied_to_the_pixels():
    rotated = exif()
    rotated[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    clean = strip_metadata(jpeg(size=(8, 4), exif=rotated.tobytes()), "jpg")
    image = decoded(clean)
    assert image.size == (4, 8) and not image.getexif()


def test_the_colour_profile_is_converted_and_dropped():
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    clean = strip_metadata(jpeg(icc_profile=profile), "jpg")
    assert "icc_profile" not in decoded(clean).info


def test_png_loses_its_text_exif_and_time_chunks():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", AUTHOR)
    info.add_text("Comment", DEVICE, zip=True)
    info.add_itxt("XML:com.adobe.xmp", f"<x>{AUTHOR} GPS</x>")
    info.add(b"tIME", bytes(7))
    out = io.BytesIO()
    Image.new("RGBA", (5, 5), (1, 2, 3, 128)).save(out, "PNG", pnginfo=info, exif=exif())
    photo = out.getvalue()
    assert leaked(photo)
    clean = strip_metadata(photo, "png")
    assert leaked(clean) == [] and b"tIME" not in clean and b"tEXt" not in clean
    image = decoded(clean)
    assert image.mode == "RGBA" and image.getpixel((0, 0)) == (1, 2, 3, 128)


def test_png_with_data_after_its_end_loses_it():
    out = io.BytesIO()
    Image.new("L", (3, 3), 77).save(out, "PNG")
    photo = out.getvalue() + chunk(b"tEXt", b"Author\x00" + AUTHOR.encode())
    clean = strip_metadata(photo, "png")
    assert leaked(clean) == [] and clean.endswith(chunk(b"IEND", b""))


def test_webp_loses_its_exif_and_xmp():
    out = io.BytesIO()
    Image.new("RGB", (6, 6), (0, 200, 0)).save(
        out, "WEBP", exif=exif(), xmp=f"<x>{AUTHOR}</x>".encode()
    )
    photo = out.getvalue()
    assert leaked(photo)
    clean = strip_metadata(photo, "webp")
    assert leaked(clean) == [] and b"XMP " not in clean
    assert decoded(clean).size == (6, 6)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (jpeg()[:60], "jpg"),  # cut short
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64), "jpg"),  # headers, no picture
        (b"\xff\xd8\xff\xe1\xff\xff" + AUTHOR.encode(), "jpg"),  # a segment past the end
        (b"\x89PNG\r\n\x1a\n\x00\x00\x01\x00tEXt" + AUTHOR.encode(), "png"),
        (b"RIFF\x24\x00\x00\x00WEBPEXIF\xff\x00\x00\x00" + AUTHOR.encode(), "webp"),
        (jpeg(), "png"),  # another format than the one announced
    ],
    ids=["jpeg-cut-short", "jpeg-no-picture", "jpeg-segment-past-end", "png", "webp", "other"],
)
def test_files_that_cannot_be_decoded_are_refused(data, kind):
    with pytest.raises(UnreadablePhoto):
        strip_metadata(data, kind)


def test_a_decompression_bomb_is_refused_from_its_header():
    side = int(MAX_PIXELS**0.5) + 1  # a few bytes that would decode to > 40 megapixels
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )
    with pytest.raises(PhotoTooLarge):
        strip_metadata(bomb, "png")
