"""`make audit`'s dependency check: what it says and the exit code it gives for each answer
pip-audit can give (findings, a clean report, no answer at all)."""

import json

import pytest

from scripts.audit_dependencies import judge


def report(*dependencies) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


CLEAN = {"name": "flask", "version": "3.1.0", "vulns": []}
SKIPPED = {"name": "tzdata", "skip_reason": "Dependency not found on PyPI: tzdata (2026.6)"}
VULNERABLE = {
    "name": "jinja2",
    "version": "3.1.2",
    "vulns": [
        {
            "id": "GHSA-h5c8-rqwp-cp95",
            "fix_versions": ["3.1.3"],
            "aliases": ["CVE-2024-22195"],
            "description": "...",
        }
    ],
}


def test_a_known_vulnerability_fails_and_names_the_fix(capsys):
    assert judge(report(CLEAN, VULNERABLE), "", "pypi", strict=False) == 1
    out = capsys.readouterr().out
    assert "VULNERABLE: jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (CVE-2024-22195); fixed in 3.1.3" in out
    assert "1 known vulnerabilities in 2 packages" in out


def test_a_clean_report_passes_and_lists_what_was_not_audited(capsys):
    assert judge(report(CLEAN, SKIPPED), "", "pypi", strict=True) == 0
    out = capsys.readouterr().out
    assert "not audited: tzdata: Dependency not found on PyPI" in out
    assert "no known vulnerabilities in 1 installed packages (pypi)" in out


@pytest.mark.parametrize(
    ("output", "errors", "why"),
    [
        ("", "requests.exceptions.ConnectionError: Failed to resolve 'api.osv.dev'", "could not"),
        (report(SKIPPED, SKIPPED), "", "answered for none of the 2 installed packages"),
    ],
)
@pytest.mark.parametrize(("strict", "code"), [(False, 0), (True, 2)])
def test_an_unreachable_advisory_database_is_not_a_pass(capsys, output, errors, why, strict, code):
    assert judge(output, errors, "osv", strict=strict) == code
    captured = capsys.readouterr()
    assert "no known vulnerabilities" not in captured.out.lower()
    assert "WARNING: dependencies NOT audited" in captured.err
    assert why in captured.err
    assert "pip-audit --requirement installed.txt --no-deps --disable-pip" in captured.err
