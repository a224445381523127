"""The build: locked dependencies with hashes, and PostgreSQL and Redis as optional extras."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.slow  # installs and imports in other processes

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
LOCKS = {
    "app": ((), REPO / "requirements" / "app.txt"),
    "production": (("postgres", "redis"), REPO / "requirements" / "production.txt"),
    "dev": (("dev", "postgres", "redis"), REPO / "requirements" / "dev.txt"),
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$")


def pins(path: Path) -> dict[str, str]:
    """name -> version of every package a lock file pins, checking that each has its hashes."""
    found = {}
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines):
        match = PIN.match(line)
        if match:
            assert lines[number + 1].strip().startswith("--hash=sha256:"), line
            found[canonicalize_name(match[1])] = match[2]
        else:
            assert not line or line.startswith((" ", "#")), f"{path.name}: {line!r} is not pinned"
    return found


def declared(extras: tuple[str, ...]) -> list[Requirement]:
    """The requirements pyproject.toml declares for the app with these extras."""
    project = PYPROJECT["project"]
    optional = project["optional-dependencies"]
    texts = project["dependencies"] + [text for extra in extras for text in optional[extra]]
    found = [Requirement(text) for text in texts]
    return [r for r in found if canonicalize_name(r.name) != "caring-cities"]


@pytest.mark.parametrize("name", LOCKS)
def test_each_lock_pins_what_pyproject_asks_within_its_ranges(name):
    extras, path = LOCKS[name]
    locked = pins(path)
    for requirement in declared(extras):
        version = locked.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not in {path.name}: run make lock"
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{path.name} pins {requirement.name}=={version}, outside {requirement}: make lock"
        )
    for extra_package in ("psycopg", "redis"):
        assert (extra_package in locked) == ("postgres" in extras), (name, extra_package)


def test_the_locks_agree_on_every_version():
    versions = {name: pins(path) for name, (_, path) in LOCKS.items()}
    for name, locked in versions.items():
        for package, version in locked.items():
            assert versions["dev"][package] == version, (name, package)


def test_every_dependency_has_a_compatible_range():
    # An upper bound on everything but the time-zone data, which must always be the newest.
    for requirement in declared(("postgres", "redis", "dev")):
        if requirement.name == "tzdata":
            continue
        assert any(spec.operator == "<" for spec in requirement.specifier), requirement


# A Python started with this sitecustomize cannot import redis or psycopg, as if they were not
# installed; `import redis` raises ImportError and find_spec answers None.
BLOCK = (
    "import sys\n"
    "for name in ('redis', 'psycopg', 'psycopg_binary'):\n"
    "    sys.modules[name] = None\n"
)

SERVE = """
import json, sys
try:
    import redis
except ImportError:
    pass
else:
    raise SystemExit("redis could still be imported: the test proves nothing")
from app import create_app
from app.extensions import db

app = create_app(
    {"SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1] + "/db.sqlite"},
    instance_path=sys.argv[1],
)
with app.app_context():
    db.create_all()
client = app.test_client()
answers = {path: client.get(path).status_code for path in ("/", "/login", "/healthz")}
home = client.get("/").get_data(as_text=True)
print(json.dumps({"answers": answers, "caring": "Caring Cities" in home}))
"""


def run_without_extras(tmp_path: Path, code: str, *args: str, **environment: str):
    (tmp_path / "blocked").mkdir(exist_ok=True)
    (tmp_path / "blocked" / "sitecustomize.py").write_text(BLOCK)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{tmp_path / 'blocked'}:{REPO}",
        **environment,
    }
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_app_serves_pages_without_psycopg_and_redis(tmp_path):
    result = run_without_extras(tmp_path, SERVE, str(tmp_path))
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.splitlines()[-1])
    assert shown == {"answers": {"/": 200, "/login": 200, "/healthz": 200}, "caring": True}


@pytest.mark.parametrize(
    ("environment", "package", "extra"),
    [
        ({"DATABASE_URL": "postgresql://someone@127.0.0.1:1/nothing"}, "psycopg", "postgres"),
        ({"REDIS_URL": "redis://127.0.0.1:1/0"}, "redis", "redis"),
        ({"RATELIMIT_STORAGE_URI": "rediss://127.0.0.1:1/0"}, "redis", "redis"),
    ],
)
def test_an_address_whose_package_is_missing_stops_the_app_with_the_fix(
    tmp_path, environment, package, extra
):
    code = "from app import create_app\ncreate_app(instance_path=__import__('sys').argv[1])\n"
    result = run_without_extras(tmp_path, code, str(tmp_path), **environment)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: ") and f"the {package} package is not installed" in last
    assert "requirements/production.txt" in last and f".[{extra}]" in last
