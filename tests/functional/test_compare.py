"""An administrator previews a closed budget's outcome under another rule, side by side;
only the declared rule is published."""

from datetime import timedelta

from sqlalchemy import select

from participa.db import utcnow
from participa.extensions import db
from participa.results.models import TallyRun
from participa.results.queries import published_run
from tests import factories as f
from tests.support.ballots import cast_ballot


def test_preview_other_rule_and_compare(client, auth):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, amount=900, costs=(600, 300, 300), ballot_type="approval")
    p1, p2, p3 = f.project_ids(budget)
    # a majority wants the big project; a minority agrees on the two small ones
    for selection in [[p1]] * 6 + [[p2, p3]] * 4:
        cast_ballot(budget, f.user(), selection)
    admin = f.admin()
    now = utcnow()
    process.phases[1].ends_at = now - timedelta(minutes=1)  # voting has closed
    process.phases[2].starts_at = now - timedelta(minutes=1)
    db.session.commit()
    auth.login(admin)

    assert (
        client.post(f"/admin/presupuestos/{budget.id}/contar", data={"rule": ""}).status_code == 303
    )
    assert (
        client.post(
            f"/admin/presupuestos/{budget.id}/contar", data={"rule": "equalshares"}
        ).status_code
        == 303
    )
    bad = client.post(f"/admin/presupuestos/{budget.id}/contar", data={"rule": "coin-toss"})
    assert bad.status_code == 400
    official, preview = db.session.scalars(select(TallyRun).order_by(TallyRun.id)).all()
    assert (official.rule, official.preview) == ("greedy", False)
    assert (preview.rule, preview.preview) == ("equalshares", True)
    assert published_run(budget) == official

    page = client.get(f"/admin/presupuestos/{budget.id}/comparar?a={official.id}&b={preview.id}")
    assert page.status_code == 200
    rows = page.text.count('data-testid="compare-row"')
    assert rows == 3
    # greedy funds p1 (6 votes) then p2. Equal shares gives each voter 90: p1's six
    # supporters hold 540 < 600; p2's four pay 75 each, and then cannot afford p3.
    assert [o.project_id for o in official.selected] == [p1, p2]
    assert [o.project_id for o in preview.selected] == [p2]
    assert preview.selected[0].price == "75"
    assert (
        client.get(f"/admin/presupuestos/{budget.id}/comparar?a={official.id}&b=x").status_code
        == 400  # a malformed number (test_query_numbers.py)
    )
    missing = f"/admin/presupuestos/{budget.id}/comparar?a={official.id}&b=999999"
    assert client.get(missing).status_code == 404

    progress = client.get(f"/admin/presupuestos/{budget.id}/progreso.json").get_json()
    assert {(r["id"], r["status"], r["progress"]) for r in progress} == {
        (official.id, "done", 100),
        (preview.id, "done", 100),
    }

    client.post("/salir")
    public = client.get(f"/procesos/{process.slug}/presupuestos/{budget.id}/resultados/")
    assert "Método de Partes Iguales" not in public.text  # the preview never reaches the public
    assert public.text.count('data-testid="outcome" data-selected="1"') == 2  # greedy's p1, p2
