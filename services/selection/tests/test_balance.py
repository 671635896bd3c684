"""The balanced-selection solver against brute force, the greedy baseline and hand-made cases.

Pure domain: no servers. The property tests draw small instances (up to 10 candidates, so
every subset can be enumerated) from three countries and two sectors, with few distinct
scores and submission days so that ties, and the tie-break, come up often.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import combinations

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from academy_contracts.values import Country, Sector
from academy_selection.domain.balance import (
    BalanceRules,
    Bounds,
    Candidate,
    Outcome,
    Placement,
    Relaxation,
    best_replacement,
    greedy,
    priority,
    solve,
)

DZ, EG, TN = Country.ALGERIA, Country.EGYPT, Country.TUNISIA
HEALTH, ENERGY = Sector.HEALTH, Sector.ENERGY_ENVIRONMENT
MONDAY = datetime(2023, 10, 2, 9, tzinfo=UTC)
CELLS = [(country, sector) for country in (DZ, EG, TN) for sector in (HEALTH, ENERGY)]

PROPERTIES = settings(deadline=None)
"""Examples per property come from the Hypothesis profile (root conftest): many in the full
suite, a few in the fast tier."""


def candidate(
    application_id: str,
    country: Country,
    score: str,
    sector: Sector = HEALTH,
    day: int = 0,
) -> Candidate:
    return Candidate(application_id, country, sector, Decimal(score), MONDAY + timedelta(days=day))


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Candidate], BalanceRules]:
    size = draw(st.integers(0, 10))
    names = draw(st.permutations(range(size)))
    scores = st.one_of(
        st.sampled_from(["1", "2.5", "3", "3.5", "4.125"]).map(Decimal),
        st.integers(1000, 5000).map(lambda points: Decimal(points) / 1000),
    )
    candidates = [
        Candidate(
            f"app-{names[i]}",
            draw(st.sampled_from([DZ, EG, TN])),
            draw(st.sampled_from([HEALTH, ENERGY])),
            draw(scores),
            MONDAY + timedelta(days=draw(st.integers(0, 2))),
        )
        for i in range(size)
    ]

    def bounds() -> Bounds:
        minimum = draw(st.sampled_from([0, 0, 0, 1, 1, 2]))
        return Bounds(minimum, draw(st.none() | st.integers(minimum, minimum + 3)))

    rules = BalanceRules(
        draw(st.integers(1, 6)),
        {country: bounds() for country in (DZ, EG, TN)},
        {sector: bounds() for sector in (HEALTH, ENERGY)},
        {
            cell: bounds()
            for cell in draw(st.sets(st.sampled_from(CELLS), max_size=3))  # some cells ruled
        },
    )
    return candidates, rules


@dataclass(frozen=True)
class Rule:
    """A rule as the brute force reads it, independently of the solver's own model."""

    name: str
    group: Country | Sector | tuple[Country, Sector]
    minimum: int
    maximum: int | None

    def shortfall(self, chosen: Sequence[Candidate]) -> int:
        count = sum(self.group in (c.country, c.sector, (c.country, c.sector)) for c in chosen)
        excess = 0 if self.maximum is None else count - self.maximum
        return max(0, self.minimum - count, excess)


def balance_rules(rules: BalanceRules) -> list[Rule]:
    """Every min/max rule by name; the capacity is kept by enumerating small enough sets."""
    tables: list[tuple[str, Mapping[Country, Bounds] | Mapping[Sector, Bounds]]] = [
        ("country", rules.countries),
        ("sector", rules.sectors),
    ]
    named: list[tuple[str, Country | Sector | tuple[Country, Sector], Bounds]] = [
        (f"{axis}_{{}}:{group.value}", group, bounds)
        for axis, table in tables
        for group, bounds in table.items()
    ]
    named += [
        (f"cell_{{}}:{country.value}/{sector.value}", (country, sector), bounds)
        for (country, sector), bounds in rules.cells.items()
    ]
    return [
        rule
        for name, group, bounds in named
        for rule in (
            Rule(name.format("min"), group, bounds.minimum, None),
            Rule(name.format("max"), group, 0, bounds.maximum),
        )
    ]


def subsets(candidates: Sequence[Candidate], capacity: int) -> Iterator[tuple[Candidate, ...]]:
    for size in range(min(capacity, len(candidates)) + 1):
        yield from combinations(candidates, size)


def brute_force(
    candidates: Sequence[Candidate], rules: BalanceRules
) -> tuple[int, tuple[Candidate, ...]]:
    """The fewest places by which a choice misses the rules, and the best such choice: most
    places, then highest score, then the best-ranked cluster where two choices differ."""
    ranked = sorted(candidates, key=priority)
    rank = {c.application_id: i for i, c in enumerate(ranked)}
    named = balance_rules(rules)

    def key(chosen: tuple[Candidate, ...]) -> tuple[int, int, Decimal, list[int]]:
        shortfall = sum(rule.shortfall(chosen) for rule in named)
        total = sum((c.score for c in chosen), Decimal(0))
        return (shortfall, -len(chosen), -total, sorted(rank[c.application_id] for c in chosen))

    best = min(subsets(ranked, rules.capacity), key=key)
    return key(best)[0], best


def can_hold(candidates: Sequence[Candidate], rules: BalanceRules, names: set[str]) -> bool:
    """Whether some choice keeps every named rule (the capacity among them or not)."""
    capacity = rules.capacity if "capacity" in names else len(candidates)
    named = [rule for rule in balance_rules(rules) if rule.name in names]
    return any(
        all(rule.shortfall(chosen) == 0 for rule in named)
        for chosen in subsets(candidates, capacity)
    )


def ids(items: Iterable[Placement | Candidate]) -> list[str]:
    return [item.application_id for item in items]


def counts_within(chosen: Sequence[Candidate], rules: BalanceRules) -> bool:
    return len(chosen) <= rules.capacity and all(
        rule.shortfall(chosen) == 0 for rule in balance_rules(rules)
    )


def chosen_of(outcome: Outcome, candidates: Sequence[Candidate]) -> list[Candidate]:
    by_id = {c.application_id: c for c in candidates}
    return [by_id[i] for i in ids(outcome.selected)]


# -- properties ----------------------------------------------------------------------------


@PROPERTIES
@given(instances())
def test_the_choice_is_the_brute_force_optimum(
    instance: tuple[list[Candidate], BalanceRules],
) -> None:
    candidates, rules = instance
    outcome = solve(candidates, rules)
    event("feasible" if outcome.feasible else "infeasible")
    shortfall, best = brute_force(candidates, rules)
    assert outcome.feasible == (shortfall == 0)
    assert ids(outcome.selected) == [c.application_id for c in best]
    assert outcome.objective == sum((c.score for c in best), Decimal(0))
    assert sum(abs(r.relaxed_to - r.bound) for r in outcome.relaxations) == shortfall


@PROPERTIES
@given(instances())
def test_the_choice_keeps_the_rules_it_reports(
    instance: tuple[list[Candidate], BalanceRules],
) -> None:
    candidates, rules = instance
    outcome = solve(candidates, rules)
    chosen = chosen_of(outcome, candidates)
    assert counts_within(chosen, rules.relaxed(outcome.relaxations))
    assert outcome.feasible == counts_within(chosen, rules)
    assert ids(outcome.waitlist) == [
        c.application_id for c in sorted(candidates, key=priority) if c not in chosen
    ]
    placements = sorted(outcome.selected + outcome.waitlist, key=lambda p: p.rank)
    assert [p.rank for p in placements] == list(range(1, len(candidates) + 1))


@PROPERTIES
@given(instances())
def test_relaxing_as_proposed_gives_the_same_choice_feasibly(
    instance: tuple[list[Candidate], BalanceRules],
) -> None:
    candidates, rules = instance
    outcome = solve(candidates, rules)
    relaxed = solve(candidates, rules.relaxed(outcome.relaxations))
    assert relaxed.feasible
    assert relaxed.relaxations == ()
    assert relaxed.conflicts == ()
    assert ids(relaxed.selected) == ids(outcome.selected)
    for relaxation in outcome.relaxations:
        moved_down = relaxation.relaxed_to < relaxation.bound
        assert moved_down == ("_min:" in relaxation.rule)


@PROPERTIES
@given(instances())
def test_conflicts_are_minimal_sets_of_rules_that_cannot_hold(
    instance: tuple[list[Candidate], BalanceRules],
) -> None:
    candidates, rules = instance
    outcome = solve(candidates, rules)
    assert bool(outcome.conflicts) == (not outcome.feasible)
    for conflict in outcome.conflicts:
        assert not can_hold(candidates, rules, set(conflict))
        for rule in conflict:
            assert can_hold(candidates, rules, set(conflict) - {rule})


@settings(PROPERTIES, suppress_health_check=[HealthCheck.filter_too_much])
@given(instances())
def test_never_worse_than_greedy_when_greedy_keeps_the_rules(
    instance: tuple[list[Candidate], BalanceRules],
) -> None:
    """More places first, then more score: greedy can stop short of places the solver fills,
    so its score alone may be higher (see test_greedy_can_leave_places_empty).

    Greedy keeps the rules in about a third of the instances (171 of 500 drawn), so most are
    set aside by ``assume``. That is expected here, and Hypothesis' check on filtering failed
    the fast tier now and then (``--hypothesis-seed=4``: 8 inputs kept, 50 set aside)."""
    candidates, rules = instance
    baseline = greedy(candidates, rules)
    assume(counts_within(baseline, rules))
    outcome = solve(candidates, rules)
    baseline_total = sum((c.score for c in baseline), Decimal(0))
    assert (len(outcome.selected), outcome.objective) >= (len(baseline), baseline_total)


@PROPERTIES
@given(instances(), st.randoms(use_true_random=False))
def test_the_outcome_does_not_depend_on_input_order(
    instance: tuple[list[Candidate], BalanceRules], shuffler: random.Random
) -> None:
    candidates, rules = instance
    shuffled = list(candidates)
    shuffler.shuffle(shuffled)
    assert solve(shuffled, rules) == solve(candidates, rules)


@PROPERTIES
@given(instances())
def test_every_departure_from_the_ranking_names_its_rules(
    instance: tuple[list[Candidate], BalanceRules],
) -> None:
    candidates, rules = instance
    outcome = solve(candidates, rules)
    assert all(p.binding_rules for p in outcome.waitlist)
    lowest_selected = max((p.rank for p in outcome.selected), default=0)
    for placement in outcome.waitlist:
        outranks = placement.rank < lowest_selected
        wording = "Waitlisted although" if outranks else "Waitlisted behind every selected"
        assert placement.summary.startswith(wording)
        assert "capacity" not in placement.binding_rules or not outranks


# -- rules ---------------------------------------------------------------------------------


def test_default_rules_spread_places_from_half_to_twice_an_even_share() -> None:
    rules = BalanceRules.default(70)
    assert set(rules.countries.values()) == {Bounds(5, 20)}
    assert set(rules.sectors.values()) == {Bounds(8, 35)}


@pytest.mark.parametrize("capacity", [1, 2, 7, 13, 28, 70, 101])
def test_default_rules_leave_room_for_merit_and_can_fill_every_place(capacity: int) -> None:
    rules = BalanceRules.default(capacity)
    for table in (rules.countries, rules.sectors):
        assert sum(b.minimum for b in table.values()) <= capacity // 2
        assert sum(b.maximum or 0 for b in table.values()) >= capacity


def test_rules_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="capacity"):
        BalanceRules(0)
    with pytest.raises(ValueError, match="below minimum"):
        Bounds(3, 2)
    with pytest.raises(ValueError, match="negative"):
        Bounds(-1)
    with pytest.raises(ValueError, match="decimal places"):
        candidate("a", DZ, "4.0005")
    with pytest.raises(ValueError, match="timezone"):
        Candidate("a", DZ, HEALTH, Decimal(4), datetime(2023, 10, 2))  # noqa: DTZ001
    with pytest.raises(ValueError, match="more than once"):
        solve([candidate("a", DZ, "4"), candidate("a", EG, "3")], BalanceRules(2))


def test_unnamed_countries_and_sectors_are_unbounded() -> None:
    rules = BalanceRules(3, {DZ: Bounds(1)})
    assert rules.countries[EG] == Bounds()
    assert rules.sectors[HEALTH] == Bounds()


# -- explanations --------------------------------------------------------------------------


def test_explains_which_rules_overrode_the_ranking() -> None:
    rules = BalanceRules(3, {DZ: Bounds(minimum=1), TN: Bounds(maximum=1)})
    outcome = solve(
        [
            candidate("tn-1", TN, "5"),
            candidate("tn-2", TN, "4.9"),
            candidate("eg-1", EG, "4"),
            candidate("eg-2", EG, "3.9"),
            candidate("dz-1", DZ, "1"),
            candidate("eg-3", EG, "0.5"),
        ],
        rules,
    )
    assert outcome.feasible
    assert outcome.objective == Decimal("10.0")
    selected = {p.application_id: p for p in outcome.selected}
    waitlist = {p.application_id: p for p in outcome.waitlist}
    assert list(selected) == ["tn-1", "eg-1", "dz-1"]
    assert list(waitlist) == ["tn-2", "eg-2", "eg-3"]

    assert selected["tn-1"].binding_rules == ()
    assert selected["tn-1"].summary.startswith("Selected on rank; score 5, #1 of 6 overall")
    assert selected["eg-1"].binding_rules == ()
    assert "held back by their own limits" in selected["eg-1"].summary
    assert selected["dz-1"].binding_rules == ("country_min:DZ",)
    assert "country_min:DZ (at least 1 from DZ)" in selected["dz-1"].summary

    assert waitlist["tn-2"].binding_rules == ("country_min:DZ", "country_max:TN")
    assert "country_max:TN (at most 1 from TN)" in waitlist["tn-2"].summary
    assert waitlist["eg-2"].binding_rules == ("country_min:DZ",)
    assert waitlist["eg-3"].binding_rules == ("capacity",)
    assert waitlist["eg-3"].summary.startswith("Waitlisted behind every selected cluster")

    dz = selected["dz-1"]
    assert (dz.rank, dz.country_rank, dz.sector_rank) == (5, 1, 5)
    assert (waitlist["eg-2"].country_rank, waitlist["eg-3"].country_rank) == (2, 3)


def test_a_country_within_a_sector_has_bounds_of_its_own() -> None:
    rules = BalanceRules(
        3, cells={(TN, HEALTH): Bounds(maximum=1), (EG, HEALTH): Bounds(minimum=1)}
    )
    outcome = solve(
        [
            candidate("tn-h1", TN, "5"),
            candidate("tn-h2", TN, "4.9"),
            candidate("tn-e1", TN, "3", ENERGY),
            candidate("eg-h1", EG, "1"),
        ],
        rules,
    )
    assert outcome.feasible
    assert ids(outcome.selected) == ["tn-h1", "tn-e1", "eg-h1"]
    tn_h2 = outcome.waitlist[0]
    assert tn_h2.binding_rules == ("cell_min:EG/health", "cell_max:TN/health")
    assert "cell_max:TN/health (at most 1 from TN in health)" in tn_h2.summary
    assert outcome.selected[2].binding_rules == ("cell_min:EG/health",)


def test_a_cell_minimum_that_cannot_hold_is_relaxed_and_reported() -> None:
    rules = BalanceRules(2, cells={(DZ, HEALTH): Bounds(minimum=2)})
    outcome = solve([candidate("dz-1", DZ, "2"), candidate("eg-1", EG, "3")], rules)
    assert not outcome.feasible
    assert outcome.relaxations == (Relaxation("cell_min:DZ/health", 2, 1),)
    assert outcome.conflicts == (("cell_min:DZ/health",),)
    assert rules.relaxed(outcome.relaxations).cell(DZ, HEALTH) == Bounds(minimum=1)
    assert rules.cell(EG, HEALTH) == Bounds()


def test_a_full_maximum_blocks_when_places_remain() -> None:
    outcome = solve(
        [candidate("tn-1", TN, "5"), candidate("tn-2", TN, "4")],
        BalanceRules(2, {TN: Bounds(maximum=1)}),
    )
    assert ids(outcome.selected) == ["tn-1"]
    assert outcome.waitlist[0].binding_rules == ("country_max:TN",)


# -- tie-break -----------------------------------------------------------------------------


def test_equal_scores_go_to_the_earlier_submission_then_the_smaller_id() -> None:
    rules = BalanceRules(1)
    earlier = solve([candidate("b", DZ, "4", day=0), candidate("a", DZ, "4", day=1)], rules)
    assert ids(earlier.selected) == ["b"]
    same_time = solve([candidate("b", DZ, "4"), candidate("a", EG, "4")], rules)
    assert ids(same_time.selected) == ["a"]


def test_equal_totals_go_to_the_choice_with_the_best_ranked_cluster() -> None:
    """{a, d} and {b, c} both score 6 and keep the rules: a ranks first, so {a, d}."""
    one_each = Bounds(maximum=1)
    rules = BalanceRules(2, {DZ: one_each, EG: one_each}, {HEALTH: one_each, ENERGY: one_each})
    outcome = solve(
        [
            candidate("a", DZ, "5", HEALTH),
            candidate("b", DZ, "3", ENERGY),
            candidate("c", EG, "3", HEALTH),
            candidate("d", EG, "1", ENERGY),
        ],
        rules,
    )
    assert ids(outcome.selected) == ["a", "d"]
    assert outcome.objective == 6


# -- infeasible rules ----------------------------------------------------------------------


def test_a_minimum_above_the_candidates_is_relaxed_to_them() -> None:
    outcome = solve(
        [candidate("dz-1", DZ, "2"), candidate("dz-2", DZ, "1"), candidate("eg-1", EG, "5")],
        BalanceRules(3, {DZ: Bounds(minimum=3)}),
    )
    assert not outcome.feasible
    assert outcome.conflicts == (("country_min:DZ",),)
    assert outcome.relaxations == (Relaxation("country_min:DZ", bound=3, relaxed_to=2),)
    assert ids(outcome.selected) == ["eg-1", "dz-1", "dz-2"]


def test_minimums_beyond_the_capacity_give_up_the_weakest_place() -> None:
    strengths = {DZ: 4, EG: 3, TN: 2}
    pool = [
        candidate(f"{c.value}-{i}", c, f"{s}.{i}") for c, s in strengths.items() for i in range(3)
    ]
    rules = BalanceRules(4, {DZ: Bounds(2), EG: Bounds(1), TN: Bounds(2)})
    outcome = solve(pool, rules)
    assert outcome.conflicts == (
        ("capacity", "country_min:DZ", "country_min:EG", "country_min:TN"),
    )
    assert outcome.relaxations == (Relaxation("country_min:TN", bound=2, relaxed_to=1),)
    assert ids(outcome.selected) == ["DZ-2", "DZ-1", "EG-2", "TN-2"]


def test_a_country_minimum_clashing_with_a_sector_maximum() -> None:
    """Both DZ clusters are in health, which may take one: relaxing either rule by one
    place is as near, and raising the health maximum keeps the stronger choice."""
    outcome = solve(
        [
            candidate("dz-1", DZ, "3", HEALTH),
            candidate("dz-2", DZ, "2", HEALTH),
            candidate("eg-1", EG, "1", ENERGY),
        ],
        BalanceRules(3, {DZ: Bounds(minimum=2)}, {HEALTH: Bounds(maximum=1)}),
    )
    assert outcome.conflicts == (("country_min:DZ", "sector_max:health"),)
    assert outcome.relaxations == (Relaxation("sector_max:health", bound=1, relaxed_to=2),)
    assert ids(outcome.selected) == ["dz-1", "dz-2", "eg-1"]


# -- greedy and replacement ----------------------------------------------------------------


def test_greedy_can_leave_places_empty() -> None:
    one_each = Bounds(maximum=1)
    rules = BalanceRules(2, {DZ: one_each}, {HEALTH: one_each})
    pool = [
        candidate("a", DZ, "5", HEALTH),
        candidate("b", DZ, "1", ENERGY),
        candidate("c", EG, "1", HEALTH),
    ]
    assert ids(greedy(pool, rules)) == ["a"]
    assert ids(solve(pool, rules).selected) == ["b", "c"]


def test_greedy_ignores_minimums() -> None:
    pool = [candidate("eg-1", EG, "5"), candidate("eg-2", EG, "4"), candidate("dz-1", DZ, "1")]
    rules = BalanceRules(2, {DZ: Bounds(minimum=1)})
    assert ids(greedy(pool, rules)) == ["eg-1", "eg-2"]
    assert ids(solve(pool, rules).selected) == ["eg-1", "dz-1"]


def test_replacement_restores_a_minimum_before_rank() -> None:
    rules = BalanceRules(3, {DZ: Bounds(minimum=1), TN: Bounds(maximum=1)})
    kept = [candidate("tn-1", TN, "5"), candidate("eg-1", EG, "4")]
    waitlist = [
        candidate("tn-2", TN, "4.9"),
        candidate("eg-2", EG, "3"),
        candidate("dz-2", DZ, "1"),
    ]
    assert best_replacement(kept, waitlist, rules) == waitlist[2]
    assert best_replacement(kept, waitlist[:2], rules) == waitlist[1]


def test_replacement_prefers_easing_two_minimums_over_one() -> None:
    rules = BalanceRules(3, {DZ: Bounds(minimum=1)}, {ENERGY: Bounds(minimum=1)})
    waitlist = [candidate("dz-1", DZ, "4", HEALTH), candidate("dz-2", DZ, "2", ENERGY)]
    assert best_replacement([candidate("eg-1", EG, "5")], waitlist, rules) == waitlist[1]


def test_no_replacement_when_nothing_fits() -> None:
    rules = BalanceRules(2, {TN: Bounds(maximum=1)})
    kept = [candidate("tn-1", TN, "5")]
    assert best_replacement(kept, [candidate("tn-2", TN, "4")], rules) is None
    full = [candidate("eg-1", EG, "5"), candidate("eg-2", EG, "4")]
    assert best_replacement(full, [candidate("dz-1", DZ, "5")], rules) is None
