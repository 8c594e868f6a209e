"""CSV downloads say their charset once, and each has an "Excel" variant: the same bytes
after a UTF-8 BOM, so accents survive in Excel on Windows. The default files stay plain
UTF-8 without a BOM (the open data's published sha256 is of those bytes)."""

import codecs
import hashlib

from participa.extensions import db
from participa.opendata import services
from tests.support.opendata import tallied_process

BOM = codecs.BOM_UTF8


def _published():
    process, budget, _voters = tallied_process()
    budget.title = "Participación ciudadana"  # an accent Excel would break without the BOM
    db.session.commit()
    publication = services.publish(process, "tally")
    db.session.commit()
    return process, budget, publication


def test_results_csvs_have_one_charset_and_an_excel_variant(client):
    process, budget, _publication = _published()
    base = f"/procesos/{process.slug}/presupuestos/{budget.id}/resultados"
    for name in ("resultados.csv", "boletas.csv"):
        plain = client.get(f"{base}/{name}")
        assert plain.status_code == 200
        assert plain.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert not plain.data.startswith(BOM)
        excel = client.get(f"{base}/{name}?excel=1")
        assert excel.status_code == 200
        assert excel.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert excel.data == BOM + plain.data
        assert "-excel.csv" in excel.headers["Content-Disposition"]
    page = client.get(f"{base}/").text
    assert f'href="{base}/resultados.csv?excel=1"' in page
    assert f'href="{base}/boletas.csv?excel=1"' in page
    assert "para Excel" in page


def test_open_data_csvs_have_one_charset_and_an_excel_variant(client):
    process, _budget, publication = _published()
    listed = {f["name"]: f["sha256"] for f in publication.files}
    url = f"/datos/{process.slug}/v{publication.version}/presupuestos.csv"
    plain = client.get(url)
    assert plain.status_code == 200
    assert plain.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert not plain.data.startswith(BOM)
    assert "Participación ciudadana" in plain.data.decode("utf-8")
    assert hashlib.sha256(plain.data).hexdigest() == listed["presupuestos.csv"]
    excel = client.get(url + "?excel=1")
    assert excel.status_code == 200
    assert excel.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert excel.data == BOM + plain.data
    assert excel.headers["ETag"] != plain.headers["ETag"]
    assert "-excel.csv" in excel.headers["Content-Disposition"]
    again = client.get(url + "?excel=1", headers={"If-None-Match": excel.headers["ETag"]})
    assert again.status_code == 304
    pb = client.get(f"/datos/{process.slug}/v{publication.version}/presupuesto-{_budget.id}.pb")
    assert pb.headers["Content-Type"] == "text/plain; charset=utf-8"
    for page in (client.get("/datos").text, client.get(f"/datos/{process.slug}").text):
        assert f'href="{url}?excel=1"' in page
