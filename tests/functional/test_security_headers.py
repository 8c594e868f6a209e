"""Every page carries the security headers and a strict CSP that the templates respect."""

import re
from pathlib import Path

from tests import factories as f

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_headers_on_pages_and_errors(client):
    process = f.process(now_allows=("allows_vote",))
    f.budget(process)
    for path in ("/", f"/procesos/{process.slug}", "/no-existe", "/api/v1/processes"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_script_or_style():
    offending = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=\"|<style|\son[a-z]+=\"", text):
            offending.append(template.name)
    assert offending == []
