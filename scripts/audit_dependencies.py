"""pip-audit on the virtualenv's installed packages, saying plainly what was and was not checked.

Exit codes: 0 no known vulnerability (or the advisory database could not be reached, with a
warning saying so; AUDIT_STRICT=1 makes that 2), 1 vulnerabilities found. pip-audit alone
reports "No known vulnerabilities found" even when every package was skipped because its
service answered nothing, which is not a pass: here that case counts as "not reached".
"""

import json
import os
import subprocess  # nosec B404: runs pip-audit from this virtualenv with a fixed argument list
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
LATER = """\
  To audit later: run `make audit` again on a machine that reaches pypi.org (or osv.dev with
  AUDIT_SERVICE=osv). To audit this machine's packages from another one:
      .venv/bin/pip freeze --exclude-editable > installed.txt
  copy installed.txt to a machine with network access and run there:
      pip-audit --requirement installed.txt --no-deps --disable-pip
"""


def main() -> int:
    service = os.environ.get("AUDIT_SERVICE", "pypi")
    strict = os.environ.get("AUDIT_STRICT", "") not in {"", "0"}
    command = [
        str(PIP_AUDIT),
        "--skip-editable",  # the app itself is not on PyPI
        "--progress-spinner=off",
        "--format=json",
        f"--vulnerability-service={service}",
    ]
    if not PIP_AUDIT.exists():
        print(f"{PIP_AUDIT} is not installed: run `make setup-dev`", file=sys.stderr)
        return 2
    finished = subprocess.run(  # noqa: S603  # nosec B603
        command, capture_output=True, text=True, check=False
    )
    return judge(finished.stdout, finished.stderr, service, strict)


def judge(output: str, errors: str, service: str, strict: bool) -> int:
    """Print what pip-audit's JSON report says; the exit code it deserves."""
    try:
        report = json.loads(output)
    except json.JSONDecodeError:
        report = None
    if not isinstance(report, dict):
        reason = (errors.strip().splitlines() or ["no output"])[-1]
        return not_reached(f"pip-audit could not query {service}: {reason}", strict)

    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = [d for d in dependencies if "skip_reason" in d]
    if dependencies and not audited:
        return not_reached(
            f"the {service} advisory service answered for none of the "
            f"{len(dependencies)} installed packages (first: {skipped[0]['skip_reason']})",
            strict,
        )
    found = [(d, vulnerability) for d in audited for vulnerability in d.get("vulns", [])]
    for dependency in skipped:
        print(f"not audited: {dependency['name']}: {dependency['skip_reason']}")
    if found:
        for dependency, vulnerability in found:
            fixes = ", ".join(vulnerability.get("fix_versions") or []) or "no fixed version yet"
            aliases = ", ".join(vulnerability.get("aliases") or [])
            known_as = f" ({aliases})" if aliases else ""
            print(
                f"VULNERABLE: {dependency['name']} {dependency['version']}: "
                f"{vulnerability['id']}{known_as}; fixed in {fixes}"
            )
        print(f"pip-audit: {len(found)} known vulnerabilities in {len(audited)} packages")
        return 1
    print(f"pip-audit: no known vulnerabilities in {len(audited)} installed packages ({service})")
    return 0


def not_reached(why: str, strict: bool) -> int:
    print(f"WARNING: dependencies NOT audited: {why}", file=sys.stderr)
    print(LATER, file=sys.stderr, end="")
    if strict:
        print("AUDIT_STRICT is set: failing.", file=sys.stderr)
        return 2
    print("(set AUDIT_STRICT=1 to make this fail, as CI should)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
