"""Benchmark: the exact balanced-selection solver against the greedy baseline.

Seeded, so every run draws the same applications: by default 10,000 across the seven countries
and four sectors, unevenly (as real calls are), scored by the service's own review scoring
(three reviewers each mark four weighted criteria from 1 to 5; `ReviewPolicy.score` makes each
review 0-100 in hundredths, `mean_score` averages them; ties included), and an edition of 70
places under `BalanceRules.default`. Both are timed in the same run (median of several
repeats). Memory is measured apart, each method in a fresh process of its own handed the same
applications: how far it raises the process's peak resident set (ru_maxrss) above such a
process that runs neither, so HiGHS's own C++ allocations count too.

    uv run python benchmarks/selection.py [--applications N] [--capacity K] [--repeat R]

Prints a table and writes the figures as JSON to benchmarks/results/selection.json.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

from academy_contracts.values import Country, Sector
from academy_selection.domain.balance import BalanceRules, Candidate, broken, greedy, solve
from academy_selection.domain.reviews import Criterion, Review, ReviewPolicy, mean_score

T = TypeVar("T")

RESULTS = Path(__file__).parent / "results" / "selection.json"
DEADLINE = datetime(2023, 10, 15, 23, 59, tzinfo=UTC)

COUNTRY_SHARES = {
    Country.ALGERIA: 0.20,
    Country.EGYPT: 0.30,
    Country.JORDAN: 0.08,
    Country.LEBANON: 0.09,
    Country.MOROCCO: 0.20,
    Country.PALESTINE: 0.03,
    Country.TUNISIA: 0.10,
}
SECTOR_SHARES = {
    Sector.HEALTH: 0.35,
    Sector.AERONAUTICS_MECHANICS: 0.20,
    Sector.MARITIME_LOGISTICS: 0.15,
    Sector.ENERGY_ENVIRONMENT: 0.30,
}
POLICY = ReviewPolicy(
    criteria=[
        Criterion(name="motivations", weight=Decimal(4)),
        Criterion(name="expectations", weight=Decimal(3)),
        Criterion(name="advance_costs", weight=Decimal(2)),
        Criterion(name="cluster_profile", weight=Decimal(1)),
    ],
    min_reviews=3,
)
"""The rubric the committee marks on, each criterion from 1 to 5."""


def applications(count: int, seed: int) -> list[Candidate]:
    rng = random.Random(seed)  # noqa: S311  # a reproducible draw, not a secret
    countries, sectors = list(COUNTRY_SHARES), list(SECTOR_SHARES)
    drawn = []
    for number in range(count):
        application_id = f"app-{number:05d}"
        country = rng.choices(countries, weights=list(COUNTRY_SHARES.values()))[0]
        sector = rng.choices(sectors, weights=list(SECTOR_SHARES.values()))[0]
        quality = rng.gauss(3.2, 0.6)
        submitted = DEADLINE - timedelta(seconds=rng.randrange(42 * 24 * 3600))
        reviews = []
        for reviewer in range(POLICY.min_reviews):
            marks = {
                c.name: min(c.scale_max, max(c.scale_min, round(quality + rng.gauss(0, 0.7))))
                for c in POLICY.criteria
            }
            reviews.append(
                Review(
                    application_id=application_id,
                    edition_id="benchmark",
                    reviewer=f"reviewer-{reviewer}",
                    scores=marks,
                    score=POLICY.score(marks),
                    submitted_at=DEADLINE,
                )
            )
        score = mean_score(reviews)
        assert score is not None  # three reviews each
        drawn.append(Candidate(application_id, country, sector, score, submitted))
    return drawn


def timed(run: Callable[[], T], repeat: int) -> tuple[T, float, float]:
    """The last result, and the median wall and CPU times in seconds (on a machine shared
    with other work, the CPU time is the one that says what the method costs)."""
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = run()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return result, statistics.median(times), statistics.median(cpu)


METHODS: dict[str, Callable[[list[Candidate], BalanceRules], object]] = {
    "neither": lambda candidates, rules: None,
    "greedy": greedy,
    "solve": solve,
}
RSS_UNIT = 1 if sys.platform == "darwin" else 1024
"""ru_maxrss is in bytes on macOS, in KiB on Linux."""


def peak_rss(method: str, candidates: list[Candidate], capacity: int) -> int:
    """The peak resident set, in bytes, of a fresh process that is handed the applications
    (drawing them there would set a peak of its own), loads HiGHS, then runs ``method`` once."""
    measured = subprocess.run(  # noqa: S603  # this very script
        [sys.executable, __file__, f"--peak-rss-of={method}"],
        input=pickle.dumps((candidates, capacity)),
        check=True,
        capture_output=True,
    )
    return int(measured.stdout.split()[-1])  # after the banner HiGHS prints on loading


def measure_peak_rss(method: str) -> None:
    """In the process `peak_rss` starts: print the peak resident set in bytes."""
    candidates, capacity = pickle.loads(sys.stdin.buffer.read())  # noqa: S301  # our parent's
    rules = BalanceRules.default(capacity)
    solve(candidates[:10], rules)  # load HiGHS, as the timed runs do
    METHODS[method](candidates, rules)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * RSS_UNIT)


def main() -> None:
    parser = argparse.ArgumentParser(description="Exact balanced selection against greedy.")
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--capacity", type=int, default=70)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--peak-rss-of", choices=list(METHODS), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.peak_rss_of:
        measure_peak_rss(arguments.peak_rss_of)
        return

    candidates = applications(arguments.applications, arguments.seed)
    rules = BalanceRules.default(arguments.capacity)
    solve(candidates[:10], rules)  # load HiGHS before the clock starts

    baseline, greedy_seconds, greedy_cpu = timed(
        lambda: greedy(candidates, rules), arguments.repeat
    )
    outcomes = [solve(candidates, rules) for _ in range(2)]
    outcome, solve_seconds, solve_cpu = timed(lambda: solve(candidates, rules), arguments.repeat)
    _, _, explain_cpu = timed(lambda: solve(candidates, rules).waitlist, 1)
    greedy_total = sum((c.score for c in baseline), Decimal(0))
    greedy_broken = broken(baseline, rules)
    before = peak_rss("neither", candidates, rules.capacity)
    figures = {
        "applications": len(candidates),
        "capacity": rules.capacity,
        "rules": "BalanceRules.default",
        "seed": arguments.seed,
        "repeat": arguments.repeat,
        "greedy_seconds": round(greedy_seconds, 4),
        "solve_seconds": round(solve_seconds, 4),
        "greedy_cpu_seconds": round(greedy_cpu, 4),
        "solve_cpu_seconds": round(solve_cpu, 4),
        "solve_and_explain_all_cpu_seconds": round(explain_cpu, 4),
        "solve_to_greedy_ratio": round(solve_seconds / greedy_seconds, 1),
        "baseline_peak_rss_bytes": before,
        "greedy_added_peak_rss_bytes": peak_rss("greedy", candidates, rules.capacity) - before,
        "solve_added_peak_rss_bytes": peak_rss("solve", candidates, rules.capacity) - before,
        "greedy_places": len(baseline),
        "solve_places": len(outcome.selected),
        "greedy_objective": str(greedy_total),
        "solve_objective": str(outcome.objective),
        "greedy_broken_rules": [vars(r) for r in greedy_broken],
        "solve_feasible": outcome.feasible,
        "solve_deterministic": all(o == outcome for o in outcomes),
        "selected_against_rank": sum(bool(p.binding_rules) for p in outcome.selected),
        "python": platform.python_version(),
        "highspy": version("highspy"),
        "cpus": os.cpu_count(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }

    rows = [
        ("", "greedy", "solve"),
        ("median time (s)", f"{greedy_seconds:.4f}", f"{solve_seconds:.4f}"),
        ("median CPU time (s)", f"{greedy_cpu:.4f}", f"{solve_cpu:.4f}"),
        ("+ explain all, CPU (s)", "", f"{explain_cpu:.4f}"),
        ("time ratio", "1", f"{figures['solve_to_greedy_ratio']}"),
        (
            "peak RSS added (MiB)",
            f"{figures['greedy_added_peak_rss_bytes'] / 2**20:.1f}",
            f"{figures['solve_added_peak_rss_bytes'] / 2**20:.1f}",
        ),
        ("places filled", f"{len(baseline)}", f"{len(outcome.selected)}"),
        ("total score", str(greedy_total), str(outcome.objective)),
        (
            "rules kept",
            "yes" if not greedy_broken else "no",
            "yes" if outcome.feasible else "no",
        ),
    ]
    print(
        f"{len(candidates)} applications, {rules.capacity} places, default rules, "
        f"median of {arguments.repeat}"
    )
    for label, left, right in rows:
        print(f"  {label:<20} {left:>10} {right:>10}")
    print(
        f"  (peak RSS: above {before / 2**20:.1f} MiB, a process given the same "
        "applications that loads HiGHS but runs neither)"
    )
    for rule in greedy_broken:
        side = "<" if rule.relaxed_to < rule.bound else ">"
        print(f"  greedy breaks {rule.rule} ({rule.relaxed_to} {side} {rule.bound})")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"  written to {RESULTS}")


if __name__ == "__main__":
    main()
