"""Balanced selection: which reviewed clusters take an edition's places, and why.

The committee wants the best clusters, but also every country and sector represented and none
dominating. A greedy pick (best first while no maximum is broken) cannot honour minimums and
can lose score to them, so the choice is made exactly, as an integer program solved by HiGHS,
with one binary x_i per candidate. Outcomes are ordered lexicographically:

1. the fewest rule violations (zero when the rules can be met; otherwise the nearest
   relaxation, which is reported),
2. the most places filled (up to the capacity),
3. the highest total score,
4. the better-ranked clusters, rank being score first, then earlier submission, then
   application id: of two choices equally good so far, the one that takes the best-ranked
   cluster where they differ wins. This makes the result a function of the input alone.

Why lexicographic solves and not one weighted objective: weights large enough to keep the
levels apart grow past what floating point holds exactly, and level 4 would need weights
exponential in the number of candidates. Each solve here has small integer costs (scores are
scaled to integer thousandths), and the optimum of one level is fixed as an integer constraint
before the next. Every solution HiGHS returns is rounded and checked against the rules in
integer arithmetic, so a floating-point slip raises instead of selecting the wrong clusters.

Why the programs stay small and fast: clusters of one country and one sector (a cell) are
interchangeable but for rank, so the best choice takes a best-ranked run of each cell, never
longer than the capacity or the cell's country and sector maximums (plus any relaxation): only
those clusters enter the programs, at most 28 times the capacity whatever the number of
applications. Without relaxations the rule rows form two laminar families (the countries
within the total, and the sectors), a totally unimodular matrix: with integer bounds the LP
relaxation is already integral and HiGHS closes every solve at its root, the rank walk's
(`_best`) included.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

import highspy

from academy_contracts.values import Country, Sector

SCORE_PLACES = 3
"""Scores carry at most this many decimal places (a mean of weighted review marks)."""

_SCALE = 10**SCORE_PLACES


@dataclass(frozen=True)
class Candidate:
    """An eligible, reviewed cluster as the solver sees it."""

    application_id: str
    country: Country
    sector: Sector
    score: Decimal
    submitted_at: datetime

    def __post_init__(self) -> None:
        if not self.score.is_finite() or (self.score * _SCALE) % 1 != 0:
            raise ValueError(
                f"{self.application_id}: score {self.score} must be a finite number with at "
                f"most {SCORE_PLACES} decimal places"
            )
        if self.submitted_at.tzinfo is None:
            raise ValueError(f"{self.application_id}: submitted_at must be timezone-aware")

    @property
    def points(self) -> int:
        """The score in integer thousandths: what the integer programs weigh exactly."""
        return int(self.score * _SCALE)


def priority(candidate: Candidate) -> tuple[Decimal, datetime, str]:
    """Sort key of the ranking: higher score first, then earlier submission, then id."""
    return (-candidate.score, candidate.submitted_at, candidate.application_id)


@dataclass(frozen=True)
class Bounds:
    """How many selected clusters a country or a sector must and may have."""

    minimum: int = 0
    maximum: int | None = None

    def __post_init__(self) -> None:
        if self.minimum < 0:
            raise ValueError(f"minimum {self.minimum} must not be negative")
        if self.maximum is not None and self.maximum < self.minimum:
            raise ValueError(f"maximum {self.maximum} is below minimum {self.minimum}")


@dataclass(frozen=True)
class BalanceRules:
    """An edition's capacity and balance rules. A country or sector left out is unbounded."""

    capacity: int
    countries: Mapping[Country, Bounds] = field(default_factory=dict)
    sectors: Mapping[Sector, Bounds] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError(f"capacity {self.capacity} must be at least 1")
        countries = {country: self.countries.get(country, Bounds()) for country in Country}
        sectors = {sector: self.sectors.get(sector, Bounds()) for sector in Sector}
        object.__setattr__(self, "countries", MappingProxyType(countries))
        object.__setattr__(self, "sectors", MappingProxyType(sectors))

    @classmethod
    def default(cls, capacity: int) -> BalanceRules:
        """From half to twice an even share for every country and every sector.

        Half an even share (K/14 per country, K/8 per sector, rounded down) makes every country
        and sector present without forcing many weak clusters in; twice an even share (2K/7,
        K/2, rounded up) stops one country or sector from taking the edition over. The
        minimums add up to at most half the places, so the score still decides the rest.
        """
        country = Bounds(capacity // (2 * len(Country)), -(-2 * capacity // len(Country)))
        sector = Bounds(capacity // (2 * len(Sector)), -(-2 * capacity // len(Sector)))
        return cls(
            capacity,
            dict.fromkeys(Country, country),
            dict.fromkeys(Sector, sector),
        )

    def relaxed(self, relaxations: Iterable[Relaxation]) -> BalanceRules:
        """These rules with the solver's proposed relaxations applied."""
        countries = dict(self.countries)
        sectors = dict(self.sectors)
        for relaxation in relaxations:
            kind, _, key = relaxation.rule.partition(":")
            if kind.startswith("country_"):
                countries[Country(key)] = _moved(countries[Country(key)], kind, relaxation)
            elif kind.startswith("sector_"):
                sectors[Sector(key)] = _moved(sectors[Sector(key)], kind, relaxation)
            else:
                raise ValueError(f"cannot relax rule {relaxation.rule!r}")
        return replace(self, countries=countries, sectors=sectors)


def _moved(bounds: Bounds, kind: str, relaxation: Relaxation) -> Bounds:
    if kind.endswith("_min"):
        return replace(bounds, minimum=relaxation.relaxed_to)
    return replace(bounds, maximum=relaxation.relaxed_to)


@dataclass(frozen=True)
class Relaxation:
    """One rule moved so that the rules can be met: `bound` was asked, `relaxed_to` is used."""

    rule: str
    bound: int
    relaxed_to: int


@dataclass(frozen=True)
class Placement:
    """Where a cluster ended up and why. Ranks are 1-based over all candidates, in `priority`
    order; `binding_rules` name the rules that decided its fate against the ranking."""

    application_id: str
    country: Country
    sector: Sector
    score: Decimal
    rank: int
    country_rank: int
    sector_rank: int
    binding_rules: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class Outcome:
    """The selection. When the rules cannot be met (`feasible` is false), `conflicts` lists
    minimal sets of rules that cannot hold together, and the selection is the optimum under
    the rules with `relaxations` applied: the fewest places moved in total."""

    selected: tuple[Placement, ...]
    waitlist: tuple[Placement, ...]
    objective: Decimal
    feasible: bool
    relaxations: tuple[Relaxation, ...]
    conflicts: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class _Rule:
    """One bound as a constraint: `group` is None for the capacity."""

    name: str
    group: Country | Sector | None
    bound: int
    is_minimum: bool

    def covers(self, candidate: Candidate) -> bool:
        return self.group is None or self.group in (candidate.country, candidate.sector)

    def describe(self) -> str:
        if self.group is None:
            return f"capacity ({self.bound} places)"
        side = "at least" if self.is_minimum else "at most"
        where = "from" if isinstance(self.group, Country) else "in"
        return f"{self.name} ({side} {self.bound} {where} {self.group.value})"


def _rules(rules: BalanceRules) -> list[_Rule]:
    """The rules as constraints, in the order reports list them. A minimum of zero says
    nothing and is left out."""
    found = [_Rule("capacity", None, rules.capacity, is_minimum=False)]
    axes: list[tuple[str, Mapping[Country, Bounds] | Mapping[Sector, Bounds]]] = [
        ("country", rules.countries),
        ("sector", rules.sectors),
    ]
    for axis, table in axes:
        for group, bounds in table.items():
            if bounds.minimum > 0:
                found.append(_Rule(f"{axis}_min:{group.value}", group, bounds.minimum, True))
            if bounds.maximum is not None:
                found.append(_Rule(f"{axis}_max:{group.value}", group, bounds.maximum, False))
    return found


def _cell(candidate: Candidate) -> tuple[Country, Sector]:
    return (candidate.country, candidate.sector)


class _Program:
    """One HiGHS model of a selection over `pool` (in priority order), re-solved under
    successive objectives, fixings and bounds; Python keeps a copy of every bound so each
    solution is checked exactly.

    Elastic programs give each rule but the capacity a slack column: a minimum may fall short
    and a maximum be exceeded by it. The capacity never needs one: lowering minimums alone
    always restores feasibility, and places are what the edition has.
    """

    def __init__(self, pool: Sequence[Candidate], rules: Sequence[_Rule], *, elastic: bool):
        self._highs = highspy.Highs()  # type: ignore[no-untyped-call]  # unannotated __init__
        self._highs.setOptionValue("output_flag", False)
        self._highs.setOptionValue("mip_rel_gap", 0.0)
        # Small programs: worker threads would only spin against the service's own work.
        # HiGHS sizes its thread pool once per process, so every program here asks the same.
        self._highs.setOptionValue("threads", 1)
        if not elastic:
            # Totally unimodular (module docstring): the root LP is already integral, so
            # presolve and the feasibility-jump heuristic run before it only cost time.
            self._highs.setOptionValue("presolve", "off")
            self._highs.setOptionValue("mip_heuristic_run_feasibility_jump", False)
        self._cols: list[list[float]] = []
        self._rows: list[tuple[list[int], list[int], list[float]]] = []
        self.size = len(pool)
        self._add_columns(self.size, upper=1.0)
        self.points = [candidate.points for candidate in pool]
        self.slacks: list[int] = []
        self._rule_rows: dict[str, tuple[int, float, float]] = {}
        self.dropped: set[str] = set()
        for rule in rules:
            members = [i for i, candidate in enumerate(pool) if rule.covers(candidate)]
            coefficients = [1] * len(members)
            if elastic and rule.group is not None:
                self.slacks.append(self._add_columns(1, upper=math.inf))
                members.append(self.slacks[-1])
                coefficients.append(1 if rule.is_minimum else -1)
            bounds = (rule.bound, math.inf) if rule.is_minimum else (-math.inf, rule.bound)
            row = self._add_row(members, coefficients, *bounds)
            self._rule_rows[rule.name] = (row, *bounds)
        self.count_row = self._add_row(list(range(self.size)), [1] * self.size, 0, math.inf)
        self.slack_row = self._add_row(self.slacks, [1] * len(self.slacks), 0, math.inf)

    def _add_columns(self, number: int, *, upper: float) -> int:
        first = len(self._cols)
        indices = list(range(first, first + number))
        self._highs.addVars(number, [0.0] * number, [upper] * number)
        for index in indices:
            self._highs.changeColIntegrality(index, highspy.HighsVarType.kInteger)
        self._cols.extend([0.0, upper] for _ in indices)
        return first

    def _add_row(
        self, members: list[int], coefficients: list[int], lower: float, upper: float
    ) -> int:
        self._highs.addRow(lower, upper, len(members), members, [float(c) for c in coefficients])
        self._rows.append((members, coefficients, [lower, upper]))
        return len(self._rows) - 1

    def bound_row(self, row: int, lower: float, upper: float) -> None:
        self._highs.changeRowBounds(row, lower, upper)
        self._rows[row][2][:] = [lower, upper]

    def bound_column(self, col: int, lower: float, upper: float) -> None:
        self._highs.changeColBounds(col, lower, upper)
        self._cols[col][:] = [lower, upper]

    def drop(self, rule: str) -> None:
        row, _, _ = self._rule_rows[rule]
        self.bound_row(row, -math.inf, math.inf)
        self.dropped.add(rule)

    def restore(self, rule: str) -> None:
        self.bound_row(*self._rule_rows[rule])
        self.dropped.discard(rule)

    def optimise(self, costs: Mapping[int, int], *, maximise: bool) -> tuple[int, list[int]] | None:
        """The optimum of `costs` and a solution reaching it, or None when infeasible."""
        if not self._cols:  # HiGHS calls a model without columns empty, not solved
            return (0, []) if self._holds([]) else None
        columns = list(range(len(self._cols)))
        self._highs.changeColsCost(
            len(columns), columns, [float(costs.get(col, 0)) for col in columns]
        )
        sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        self._highs.changeObjectiveSense(sense)
        self._highs.run()
        status = self._highs.getModelStatus()
        # Every objective here is bounded, so "unbounded or infeasible" can only mean infeasible.
        if status in (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return None
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS stopped with {self._highs.modelStatusToString(status)}")
        values = [round(value) for value in self._highs.getSolution().col_value]
        if not self._holds(values):
            raise RuntimeError("HiGHS returned a solution that breaks a bound or a constraint")
        objective = sum(cost * values[col] for col, cost in costs.items())
        if abs(objective - self._highs.getInfo().objective_function_value) > 0.5:
            raise RuntimeError("HiGHS's objective disagrees with its rounded solution")
        return objective, values

    def _holds(self, values: list[int]) -> bool:
        return all(
            lower <= value <= upper
            for value, (lower, upper) in zip(values, self._cols, strict=True)
        ) and all(
            lower <= sum(c * values[i] for i, c in zip(members, coefficients, strict=True)) <= upper
            for members, coefficients, (lower, upper) in self._rows
        )


def _require(result: tuple[int, list[int]] | None) -> tuple[int, list[int]]:
    if result is None:
        raise RuntimeError("HiGHS found infeasible a program that always has a solution")
    return result


def _shortfall(pool: Sequence[Candidate], rules: Sequence[_Rule]) -> int:
    """The fewest places by which any choice misses the rules, summed over the rules."""
    program = _Program(pool, rules, elastic=True)
    shortfall, _ = _require(program.optimise(dict.fromkeys(program.slacks, 1), maximise=False))
    return shortfall


def _best(pool: Sequence[Candidate], rules: Sequence[_Rule], shortfall: int) -> list[int]:
    """Indices into `pool` of the lexicographically best choice missing the rules by
    `shortfall` places (see the module docstring).

    Places, then score, are each one solve. The ranking then fixes candidates in rank order:
    in if some choice with those places and that score agrees with the fixings so far, out
    otherwise. The last solution found answers "in" for free when it has the candidate. When
    a candidate is out, so is the rest of its cell (any choice taking a lower-ranked one
    instead could take it), so it costs at most a solve per cell, plus one per candidate
    that a tied choice has and the last solution lacked.
    """
    program = _Program(pool, rules, elastic=shortfall > 0)
    program.bound_row(program.slack_row, 0, shortfall)
    everyone = range(program.size)
    count, _ = _require(program.optimise(dict.fromkeys(everyone, 1), maximise=True))
    program.bound_row(program.count_row, count, count)
    points = dict(zip(everyone, program.points, strict=True))
    score, values = _require(program.optimise(points, maximise=True))
    taken = 0
    closed: set[tuple[Country, Sector]] = set()
    for i, candidate in enumerate(pool):
        if taken == count:
            break
        if _cell(candidate) in closed:
            continue
        program.bound_column(i, 1, 1)
        if not values[i]:
            trial = program.optimise(points, maximise=True)
            if trial is None or trial[0] < score:
                program.bound_column(i, 0, 0)
                closed.add(_cell(candidate))
                continue
            values = trial[1]
        taken += 1
    return [i for i in everyone if values[i]]


def _pool(ranked: Sequence[Candidate], rules: BalanceRules, excess: int | None) -> list[Candidate]:
    """The candidates that can be chosen at all: the best of each cell, no more than the
    capacity, nor than the cell's country and sector maximums plus the `excess` by which
    maximums may be exceeded (None: without limit)."""
    seen: Counter[tuple[Country, Sector]] = Counter()
    pool = []
    for candidate in ranked:
        limits = [
            rules.countries[candidate.country].maximum,
            rules.sectors[candidate.sector].maximum,
        ]
        room = min(
            [rules.capacity]
            + [limit + excess for limit in limits if limit is not None and excess is not None]
        )
        seen[_cell(candidate)] += 1
        if seen[_cell(candidate)] <= room:
            pool.append(candidate)
    return pool


def _counts(chosen: Iterable[Candidate]) -> Counter[Country | Sector | None]:
    counts: Counter[Country | Sector | None] = Counter()
    for candidate in chosen:
        counts.update((candidate.country, candidate.sector, None))
    return counts


def broken(chosen: Sequence[Candidate], rules: BalanceRules) -> list[Relaxation]:
    """The rules `chosen` breaks, each as the relaxation that would let it hold (empty when
    every rule holds): a check of any choice, `greedy`'s included."""
    return _relaxations(chosen, _rules(rules))


def _relaxations(chosen: Sequence[Candidate], rules: Sequence[_Rule]) -> list[Relaxation]:
    """How far the choice strays from each rule: with the fewest violations in total, this
    is the nearest relaxation, and the choice is the optimum under it."""
    counts = _counts(chosen)
    return [
        Relaxation(rule.name, rule.bound, counts[rule.group])
        for rule in rules
        if (counts[rule.group] < rule.bound if rule.is_minimum else counts[rule.group] > rule.bound)
    ]


def _conflicts(
    ranked: Sequence[Candidate], rules: Sequence[_Rule], relaxations: Sequence[Relaxation]
) -> tuple[tuple[str, ...], ...]:
    """Minimal sets of rules that cannot hold together (deletion filter): drop each rule in
    turn and leave it out while the others still cannot be met. Each relaxed rule is tried
    last, so that it is likely to appear in a set of its own. Every candidate takes part, as
    without the capacity or the maximums no cell is limited."""
    program = _Program(ranked, rules, elastic=False)
    found: list[tuple[str, ...]] = []
    for relaxation in relaxations:
        if any(relaxation.rule in conflict for conflict in found):
            continue
        for rule in sorted(rules, key=lambda rule: rule.name == relaxation.rule):
            program.drop(rule.name)
            if program.optimise({}, maximise=True) is not None:
                program.restore(rule.name)
        found.append(tuple(rule.name for rule in rules if rule.name not in program.dropped))
        for rule in rules:
            program.restore(rule.name)
    return tuple(found)


def solve(candidates: Sequence[Candidate], rules: BalanceRules) -> Outcome:
    """The best selection under `rules`, in the order the module docstring gives."""
    ranked = sorted(candidates, key=priority)
    repeated = sorted(i for i, n in Counter(c.application_id for c in ranked).items() if n > 1)
    if repeated:
        raise ValueError(f"application ids given more than once: {', '.join(repeated)}")
    constraints = _rules(rules)
    choosable = _pool(ranked, rules, excess=None)
    shortfall = _shortfall(choosable, constraints)
    pool = _pool(ranked, rules, excess=shortfall)
    chosen = [pool[i] for i in _best(pool, constraints, shortfall)]
    relaxations = _relaxations(chosen, constraints)
    conflicts = _conflicts(ranked, constraints, relaxations) if relaxations else ()
    placements = _explain(ranked, chosen, _rules(rules.relaxed(relaxations)))
    taken = {candidate.application_id for candidate in chosen}
    return Outcome(
        selected=tuple(p for p in placements if p.application_id in taken),
        waitlist=tuple(p for p in placements if p.application_id not in taken),
        objective=sum((candidate.score for candidate in chosen), Decimal(0)),
        feasible=not relaxations,
        relaxations=tuple(relaxations),
        conflicts=conflicts,
    )


def _explain(
    ranked: Sequence[Candidate], chosen: Sequence[Candidate], rules: Sequence[_Rule]
) -> list[Placement]:
    """A placement per candidate, in rank order, naming the rules that overrode the ranking.

    The choice is optimal, so every exchange of a selected cluster for a better-ranked one
    left out breaks a rule: a minimum the selected one's country or sector is at, or a maximum
    the other one's has reached. A left-out cluster names the rules that block each such
    exchange, a selected one the minimums that protect it. A left-out cluster ranked below
    everyone selected names what stops it being added: the capacity or its own maximums.
    """
    taken = {candidate.application_id for candidate in chosen}
    counts = _counts(chosen)
    limits = _Limits(
        at_minimum={r.group: r for r in rules if r.is_minimum and counts[r.group] == r.bound},
        at_maximum={r.group: r for r in rules if not r.is_minimum and counts[r.group] == r.bound},
    )
    order = {rule.name: index for index, rule in enumerate(rules)}
    lowest_taken: dict[tuple[Country, Sector], int] = {}
    highest_left: dict[tuple[Country, Sector], int] = {}
    for rank, candidate in enumerate(ranked, start=1):
        if candidate.application_id in taken:
            lowest_taken[_cell(candidate)] = rank
        else:
            highest_left.setdefault(_cell(candidate), rank)
    sizes = _counts(ranked)
    seen: Counter[Country | Sector | None] = Counter()
    placements = []
    for rank, candidate in enumerate(ranked, start=1):
        seen.update((candidate.country, candidate.sector))
        cell = _cell(candidate)
        selected = candidate.application_id in taken
        if selected:
            rivals = [other for other, best in highest_left.items() if best < rank]
            binding = {
                rule
                for other in rivals
                for rule in limits.broken_by_exchange(leaving=cell, entering=other)
                if rule.is_minimum
            }
        else:
            rivals = [other for other, worst in lowest_taken.items() if worst > rank]
            binding = {
                rule
                for other in rivals
                for rule in limits.broken_by_exchange(leaving=other, entering=cell)
            }
            if not rivals:
                reached = (None, candidate.country, candidate.sector)
                binding = {limits.at_maximum[g] for g in reached if g in limits.at_maximum}
        reasons = sorted(binding, key=lambda rule: order[rule.name])
        position = (
            f"score {candidate.score}, #{rank} of {len(ranked)} overall, "
            f"#{seen[candidate.country]} of {sizes[candidate.country]} from "
            f"{candidate.country.value}, #{seen[candidate.sector]} of "
            f"{sizes[candidate.sector]} in {candidate.sector.value}"
        )
        placements.append(
            Placement(
                application_id=candidate.application_id,
                country=candidate.country,
                sector=candidate.sector,
                score=candidate.score,
                rank=rank,
                country_rank=seen[candidate.country],
                sector_rank=seen[candidate.sector],
                binding_rules=tuple(rule.name for rule in reasons),
                summary=_summary(selected, bool(rivals), reasons, position),
            )
        )
    return placements


@dataclass(frozen=True)
class _Limits:
    """The rules the choice sits exactly at, by group: one cluster fewer breaks a minimum
    here, one more a maximum (group None is the capacity)."""

    at_minimum: Mapping[Country | Sector | None, _Rule]
    at_maximum: Mapping[Country | Sector | None, _Rule]

    def broken_by_exchange(
        self, *, leaving: tuple[Country, Sector], entering: tuple[Country, Sector]
    ) -> list[_Rule]:
        sides: tuple[tuple[Country | Sector, Country | Sector], ...] = (
            (leaving[0], entering[0]),
            (leaving[1], entering[1]),
        )
        broken = []
        for left, came in sides:
            if left != came:
                broken += [self.at_minimum[left]] if left in self.at_minimum else []
                broken += [self.at_maximum[came]] if came in self.at_maximum else []
        return broken


def _summary(selected: bool, contested: bool, reasons: Sequence[_Rule], position: str) -> str:
    rules = ", ".join(rule.describe() for rule in reasons)
    if selected and reasons:
        return f"Selected ahead of better-ranked clusters to keep {rules}; {position}."
    if selected and contested:
        return (
            "Selected; the better-ranked clusters left out were held back by their own "
            f"limits; {position}."
        )
    if selected:
        return f"Selected on rank; {position}."
    if contested:
        return (
            "Waitlisted although it outranks selected clusters: taking the place of any of "
            f"them would break {rules}; {position}."
        )
    return f"Waitlisted behind every selected cluster, with {rules} reached; {position}."


def _admits(
    counts: Counter[Country | Sector | None], candidate: Candidate, rules: BalanceRules
) -> bool:
    """Whether adding the candidate keeps the capacity and every maximum."""
    limits = (
        (None, rules.capacity),
        (candidate.country, rules.countries[candidate.country].maximum),
        (candidate.sector, rules.sectors[candidate.sector].maximum),
    )
    return all(limit is None or counts[group] < limit for group, limit in limits)


def greedy(candidates: Sequence[Candidate], rules: BalanceRules) -> list[Candidate]:
    """The naive baseline `solve` is measured against: best-ranked first, skipping whoever
    would break a maximum. It ignores minimums, and stopping at the first maximum can leave
    places empty that another choice fills."""
    chosen: list[Candidate] = []
    counts = _counts(chosen)
    for candidate in sorted(candidates, key=priority):
        if _admits(counts, candidate, rules):
            chosen.append(candidate)
            counts.update((candidate.country, candidate.sector, None))
    return chosen


def best_replacement(
    selected: Sequence[Candidate], waitlist: Sequence[Candidate], rules: BalanceRules
) -> Candidate | None:
    """Who gets the place a selected cluster gave up: the best-ranked waitlisted cluster that
    keeps the capacity and every maximum, except that one bringing a country or sector short
    of its minimum closer to it comes first (two such groups before one). Offers go out one at
    a time, so this looks one step ahead only; `solve` remains the exact answer. No cluster
    is both selected and waitlisted (a decision has one status)."""
    counts = _counts(selected)

    def shortfalls_eased(candidate: Candidate) -> int:
        minimums = (
            (candidate.country, rules.countries[candidate.country].minimum),
            (candidate.sector, rules.sectors[candidate.sector].minimum),
        )
        return sum(counts[group] < minimum for group, minimum in minimums)

    fitting = [candidate for candidate in waitlist if _admits(counts, candidate, rules)]
    return min(fitting, key=lambda c: (-shortfalls_eased(c), priority(c)), default=None)
