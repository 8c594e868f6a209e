"""Images for the accountability tests (PNG, JPEG, with EXIF metadata) and a published
execution item."""

import io

from PIL import Image

from participa.db import utcnow
from participa.extensions import db
from participa.results.models import ProjectOutcome, RunStatus, TallyRun


def image_bytes(fmt: str, size=(4, 3), color=(200, 30, 30), **options) -> bytes:
    """A real, decodable image (photos are re-encoded from their pixels when uploaded)."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **options)
    return out.getvalue()


def pixels(data: bytes) -> tuple:
    with Image.open(io.BytesIO(data)) as image:
        return image.size, image.convert("RGB").getpixel((0, 0))


PNG = image_bytes("PNG")


JPEG = image_bytes("JPEG")


def publish(budget, selected, rejected=()):
    """A finished, official tally of ``budget`` selecting ``selected`` (projects)."""
    run = TallyRun(
        budget_id=budget.id,
        rule=budget.rule,
        preview=False,
        status=RunStatus.DONE,
        created_at=utcnow(),
        finished_at=utcnow(),
        ballots_counted=10,
        total_cost=sum(p.cost for p in selected),
    )
    db.session.add(run)
    db.session.flush()
    for rank, project in enumerate([*selected, *rejected], start=1):
        db.session.add(
            ProjectOutcome(
                run_id=run.id,
                project_id=project.id,
                rank=rank,
                votes=10 - rank,
                selected=project in selected,
                remaining_before=0,
                reason="selected" if project in selected else "does_not_fit",
            )
        )
    db.session.flush()
    return run


AUTHOR = "Ana Perez Secreta"


DEVICE = "Pixel 8 de Ana"


LATITUDE = (25.0, 41.0, 11.76)  # 25°41'11.76"


WHERE = "Monterrey 25.6866 N"  # a text tag of the GPS block (GPSMapDatum), greppable


def exif() -> Image.Exif:
    data = Image.Exif()
    data[0x013B] = AUTHOR  # Artist
    data[0x0110] = DEVICE  # Model
    gps = data.get_ifd(0x8825)
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = LATITUDE  # GPSLatitude
    gps[18] = WHERE  # GPSMapDatum
    return data


def jpeg(size=(8, 6), color=(10, 120, 200), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=95, **options)
    return out.getvalue()
