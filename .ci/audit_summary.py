"""Summarise pip-audit's JSON report so that "nothing found" and "nothing asked" differ.

pip-audit says "No known vulnerabilities found" even when PyPI could not be asked about a
single package (as behind a proxy that serves only the package index). This prints how many
packages were really audited, lists every vulnerability, and exits 1 if there is one.
"""

import json
import sys
from pathlib import Path

report = json.loads(Path(sys.argv[1]).read_text())
deps = report.get("dependencies", [])
skipped = [d for d in deps if d.get("skip_reason")]
audited = [d for d in deps if not d.get("skip_reason")]
vulnerable = [d for d in audited if d.get("vulns")]
for dep in vulnerable:
    for vuln in dep["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
        print(f"audit: {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
print(
    f"audit: {len(audited)} packages audited, {len(vulnerable)} vulnerable, "
    f"{len(skipped)} could not be audited"
)
if skipped and not audited:
    print("audit: PyPI's advisories could not be read here; the dependencies were NOT audited")
sys.exit(1 if vulnerable else 0)
