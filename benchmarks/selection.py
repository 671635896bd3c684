"""Benchmark: the exact balanced-selection solver against the greedy baseline.

Seeded, so every run draws the same applications: by default 10,000 across the seven countries
and four sectors, unevenly (as real calls are), scored like the committee's reviews (the mean
of three reviewers' weighted marks on four criteria, 1.000 to 5.000, ties included), and an
edition of 70 places under `BalanceRules.default`. Both are timed in the same run (median of
several repeats); peak memory is measured apart, as tracemalloc slows what it watches.

    uv run python benchmarks/selection.py [--applications N] [--capacity K] [--repeat R]

Prints a table and writes the figures as JSON to benchmarks/results/selection.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

from academy_contracts.values import Country, Sector
from academy_selection.domain.balance import BalanceRules, Bounds, Candidate, greedy, solve

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
CRITERIA_WEIGHTS = (Decimal("0.4"), Decimal("0.3"), Decimal("0.2"), Decimal("0.1"))
"""Motivations, expectations, ability to advance the costs, cluster profile."""


def applications(count: int, seed: int) -> list[Candidate]:
    rng = random.Random(seed)  # noqa: S311  # a reproducible draw, not a secret
    countries, sectors = list(COUNTRY_SHARES), list(SECTOR_SHARES)
    drawn = []
    for number in range(count):
        country = rng.choices(countries, weights=list(COUNTRY_SHARES.values()))[0]
        sector = rng.choices(sectors, weights=list(SECTOR_SHARES.values()))[0]
        quality = rng.gauss(3.2, 0.6)
        reviews = [
            sum(
                (
                    weight * min(5, max(1, round(quality + rng.gauss(0, 0.7))))
                    for weight in CRITERIA_WEIGHTS
                ),
                Decimal(0),
            )
            for _ in range(3)
        ]
        score = (sum(reviews, Decimal(0)) / 3).quantize(Decimal("0.001"))
        submitted = DEADLINE - timedelta(seconds=rng.randrange(42 * 24 * 3600))
        drawn.append(Candidate(f"app-{number:05d}", country, sector, score, submitted))
    return drawn


def timed(run: Callable[[], T], repeat: int) -> tuple[T, float]:
    """The last result and the median wall time in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def peak_memory(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def broken_rules(chosen: Sequence[Candidate], rules: BalanceRules) -> list[str]:
    counts: Counter[Country | Sector] = Counter()
    for candidate in chosen:
        counts.update((candidate.country, candidate.sector))
    tables: list[tuple[str, Mapping[Country, Bounds] | Mapping[Sector, Bounds]]] = [
        ("country", rules.countries),
        ("sector", rules.sectors),
    ]
    broken = []
    for axis, table in tables:
        for group, bounds in table.items():
            if counts[group] < bounds.minimum:
                broken.append(f"{axis}_min:{group.value} ({counts[group]} < {bounds.minimum})")
            if bounds.maximum is not None and counts[group] > bounds.maximum:
                broken.append(f"{axis}_max:{group.value} ({counts[group]} > {bounds.maximum})")
    return broken


def main() -> None:
    parser = argparse.ArgumentParser(description="Exact balanced selection against greedy.")
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--capacity", type=int, default=70)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2023)
    arguments = parser.parse_args()

    candidates = applications(arguments.applications, arguments.seed)
    rules = BalanceRules.default(arguments.capacity)
    solve(candidates[:10], rules)  # load HiGHS before the clock starts

    baseline, greedy_seconds = timed(lambda: greedy(candidates, rules), arguments.repeat)
    outcomes = [solve(candidates, rules) for _ in range(2)]
    outcome, solve_seconds = timed(lambda: solve(candidates, rules), arguments.repeat)
    greedy_total = sum((c.score for c in baseline), Decimal(0))
    figures = {
        "applications": len(candidates),
        "capacity": rules.capacity,
        "rules": "BalanceRules.default",
        "seed": arguments.seed,
        "repeat": arguments.repeat,
        "greedy_seconds": round(greedy_seconds, 4),
        "solve_seconds": round(solve_seconds, 4),
        "solve_to_greedy_ratio": round(solve_seconds / greedy_seconds, 1),
        "greedy_peak_bytes": peak_memory(lambda: greedy(candidates, rules)),
        "solve_peak_bytes": peak_memory(lambda: solve(candidates, rules)),
        "greedy_places": len(baseline),
        "solve_places": len(outcome.selected),
        "greedy_objective": str(greedy_total),
        "solve_objective": str(outcome.objective),
        "greedy_broken_rules": broken_rules(baseline, rules),
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
        ("time ratio", "1", f"{figures['solve_to_greedy_ratio']}"),
        (
            "peak memory (MiB)",
            f"{figures['greedy_peak_bytes'] / 2**20:.1f}",
            f"{figures['solve_peak_bytes'] / 2**20:.1f}",
        ),
        ("places filled", f"{len(baseline)}", f"{len(outcome.selected)}"),
        ("total score", str(greedy_total), str(outcome.objective)),
        (
            "rules kept",
            "yes" if not figures["greedy_broken_rules"] else "no",
            "yes" if outcome.feasible else "no",
        ),
    ]
    print(
        f"{len(candidates)} applications, {rules.capacity} places, default rules, "
        f"median of {arguments.repeat}"
    )
    for label, left, right in rows:
        print(f"  {label:<18} {left:>10} {right:>10}")
    for broken in figures["greedy_broken_rules"]:
        print(f"  greedy breaks {broken}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"  written to {RESULTS}")


if __name__ == "__main__":
    main()
