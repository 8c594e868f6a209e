"""Removing the metadata of uploaded photos: where a phone took them (GPS), with which
device, when, by whom.

The photo is decoded with Pillow and encoded again from its pixels alone, so nothing but
the picture can come through: no Exif (GPS, device, author, dates), XMP, IPTC, comments,
PNG text chunks, thumbnails, nor anything hidden after the image's end (a second image
appended after a JPEG's end marker) or behind an odd but legal structure (fill bytes before
a segment). A byte-level filter has to understand every such trick; re-encoding does not.

- The Exif orientation is applied to the pixels first, so the photo stays upright.
- The colour profile (ICC) is converted to sRGB and then dropped: colours stay right, and
  the profile's own text (description, copyright) does not travel.
- JPEG is saved at quality 85 (RGB or grey), PNG losslessly, WebP at quality 85 (alpha
  kept); an animated image keeps its first frame.
- Fail closed: a file Pillow cannot decode completely (truncated, corrupt, another format
  behind the right first bytes) raises :class:`UnreadablePhoto`, and nothing is stored.
- Decompression bombs: an image over ``MAX_PIXELS`` (40 megapixels, ~120 MB decoded) is
  refused from its header, before its pixels are decoded.
"""

from __future__ import annotations

import io

from PIL import Image, ImageCms, ImageOps

MAX_PIXELS = 40_000_000
JPEG_QUALITY = 85
WEBP_QUALITY = 85
FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}
# Modes each format is written in; anything else is converted (with alpha -> RGBA).
WRITTEN_MODES = {
    "jpg": ("RGB", "L"),
    "png": ("RGB", "RGBA", "L", "LA", "I;16", "I"),  # 16-bit grey stays 16-bit
    "webp": ("RGB", "RGBA"),
}


class UnreadablePhoto(ValueError):
    """The file is not an image of its type that can be decoded whole."""


class PhotoTooLarge(UnreadablePhoto):
    """The image has more pixels than :data:`MAX_PIXELS`."""


def strip_metadata(data: bytes, kind: str) -> bytes:
    """``data`` (a ``jpg``, ``png`` or ``webp`` file) re-encoded from its pixels: the same
    picture, upright, without any metadata. Raises :class:`UnreadablePhoto`."""
    image = _decode(data, kind)
    clean = Image.frombytes(image.mode, image.size, image.tobytes())  # pixels only, no info
    out = io.BytesIO()
    if kind == "jpg":
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif kind == "png":
        clean.save(out, "PNG", optimize=False)
    else:
        clean.save(out, "WEBP", quality=WEBP_QUALITY)
    return out.getvalue()


def _decode(data: bytes, kind: str) -> Image.Image:
    """The decoded, upright, sRGB picture in a mode ``kind`` can be written in."""
    try:
        with Image.open(io.BytesIO(data), formats=[FORMATS[kind]]) as opened:
            width, height = opened.size
            if width < 1 or height < 1 or width * height > MAX_PIXELS:
                raise PhotoTooLarge(f"{width}x{height} pixels")
            opened.seek(0)  # an animation: its first frame
            opened.load()  # the whole image: a truncated or corrupt file fails here
            image = _upright(opened)
            image = _to_srgb(image)
            return _writable(image, kind)
    except UnreadablePhoto:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as error:
        raise UnreadablePhoto(str(error)) from error


def _upright(image: Image.Image) -> Image.Image:
    """The pixels turned as the Exif orientation says; an Exif block too odd to read
    leaves them as they are (the picture itself decoded fine)."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # any parsing error of the metadata, which is dropped anyway
        return image.copy()


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert from the embedded ICC profile to sRGB; without one (or with a profile that
    cannot be read) the pixels are taken as sRGB already."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, target, outputMode=mode)
        return converted if converted is not None else image  # None only when inPlace
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image


def _writable(image: Image.Image, kind: str) -> Image.Image:
    if image.mode in WRITTEN_MODES[kind]:
        return image
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if has_alpha and "RGBA" in WRITTEN_MODES[kind]:
        return image.convert("RGBA")
    if has_alpha:  # JPEG: no transparency, put on white
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
