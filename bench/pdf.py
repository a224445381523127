"""How long a certificate PDF takes to make, in-process, for a Latin, an Arabic and a Korean
holder name: cold (the first PDF of a fresh process started as a worker should start:
`app.certificates.pdf.warm_up()`, then `gc.freeze()`, see `worker_start`) and warm (every PDF
after that).

    python -m bench.pdf              # the figures, in milliseconds
    python -m bench.pdf --rounds 9   # more fresh processes for the cold figures

`measure(app)` returns them for the benchmark's report. Each cold figure is the first PDF of a
process of its own (one per script and round), so no script warms another's fonts or caches.
"""

import argparse
import gc
import json
import statistics
import subprocess  # nosec B404: runs this module in a fresh Python, no shell
import sys
import time
from datetime import UTC, date, datetime

import app.models  # noqa: F401  (every model, before the certificates package maps its own)
from app.certificates.models import Certificate, new_serial
from app.certificates.pdf import render_certificate_pdf, warm_up
from bench import common

NAMES = {
    "latin": "Görsev Argın",
    "arabic": "نور الهدى الحداد",
    "korean": "김지우",
}
WARM_RUNS = 20
COLD_ROUNDS = 5


def sample_certificate(name: str) -> Certificate:
    """An issued certificate (not stored) with the example course's texts, a fresh serial."""
    return Certificate(
        serial=new_serial(),
        holder_name=name,
        title="Certificate of completion",
        wording="has completed the online training programme on Caring Cities, on care-centred "
        "urban policy for public officials.",
        course_title="Caring Cities: Care-Centred Urban Policy",
        cohort_title="Cohort 2027 – São Paulo, Bogotá, İstanbul",
        hours=12,
        completed_on=date(2027, 7, 21),
        issued_at=datetime(2027, 7, 22, 9, 30, tzinfo=UTC),
        issuers=["Example Network of Cities", "United Cities and Local Governments (UCLG)"],
        signatories=[{"name": "Ada Example", "role": "Head of Training"}],
    )


def worker_start() -> None:
    """What a worker does when it starts (the lead's post_fork): load what every PDF uses, then
    move everything loaded so far out of the garbage collector's way. Without the freeze, the
    first full collection after the start walks every font table and catalogue: 100 ms or
    more, in the middle of some learner's PDF."""
    warm_up()
    gc.collect()
    gc.freeze()


def time_one(name: str) -> float:
    """Milliseconds to make one PDF for a certificate with this holder name."""
    certificate = sample_certificate(name)
    address = f"https://courses.example.org/verify/{certificate.display_serial}"
    start = time.perf_counter()
    render_certificate_pdf(certificate, address)
    return (time.perf_counter() - start) * 1000


def _summary(runs: list[float]) -> dict:
    return {"best": min(runs), "median": statistics.median(runs), "runs": len(runs)}


def warm(app, runs: int = WARM_RUNS) -> dict:
    """Per script, the best and median of `runs` PDFs made after a first one."""
    found = {}
    with app.app_context():
        worker_start()
        for script, name in NAMES.items():
            time_one(name)
            found[script] = _summary([time_one(name) for _ in range(runs)])
    return found


def cold(rounds: int = COLD_ROUNDS) -> dict:
    """Per script, the best and median of the first PDF of `rounds` fresh processes."""
    found = {}
    for script in NAMES:
        runs = []
        for _ in range(rounds):
            done = subprocess.run(  # nosec B603: this module, fixed arguments
                [sys.executable, "-m", "bench.pdf", "--first", script],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise SystemExit(f"the cold {script} PDF failed:\n{done.stderr}")
            runs.append(json.loads(done.stdout.strip().splitlines()[-1])["ms"])
        found[script] = _summary(runs)
    return found


def measure(app, rounds: int = COLD_ROUNDS, runs: int = WARM_RUNS) -> dict:
    """{"cold": {script: {"best", "median", "runs"}}, "warm": {...}}, in milliseconds."""
    return {"cold": cold(rounds), "warm": warm(app, runs)}


def _first(script: str) -> None:
    """In a fresh process: start as a worker does, then time one PDF."""
    app = common.make_app()
    with app.app_context():
        worker_start()
        print(json.dumps({"ms": time_one(NAMES[script])}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=COLD_ROUNDS, help="fresh processes")
    parser.add_argument("--runs", type=int, default=WARM_RUNS, help="warm PDFs per script")
    parser.add_argument("--first", choices=sorted(NAMES), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.first:
        _first(options.first)
        return
    found = measure(common.make_app(), options.rounds, options.runs)
    load = common.load_average()
    print(f"certificate PDF, ms (load average {load:.2f})")
    print(f"{'':8} {'cold best':>10} {'cold median':>12} {'warm best':>10} {'warm median':>12}")
    for script in NAMES:
        first, later = found["cold"][script], found["warm"][script]
        print(
            f"{script:8} {first['best']:10.1f} {first['median']:12.1f}"
            f" {later['best']:10.1f} {later['median']:12.1f}"
        )


if __name__ == "__main__":
    main()
