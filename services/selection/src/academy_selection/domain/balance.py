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
(`_best`) included. Rules on one country within one sector (a cell) keep this: each cell lies
inside its country, so they join the countries' laminar family.

Why explanations wait until asked: the choice needs none, and a placement per candidate is
most of the work on large calls; `Outcome.selected` and `Outcome.waitlist` build them once, on
first use.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from operator import attrgetter
from types import MappingProxyType

import highspy

from academy_contracts.values import Country, Sector

SCORE_PLACES = 3
"""Scores carry at most this many decimal places (a mean of weighted review marks)."""

_SCALE = 10**SCORE_PLACES

Cell = tuple[Country, Sector]
"""One country within one sector."""
Group = Country | Sector | Cell | None
"""What a rule counts: a country, a sector, a cell, or (None) every selected cluster."""


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
    """How many selected clusters a country, a sector or a cell must and may have."""

    minimum: int = 0
    maximum: int | None = None

    def __post_init__(self) -> None:
        if self.minimum < 0:
            raise ValueError(f"minimum {self.minimum} must not be negative")
        if self.maximum is not None and self.maximum < self.minimum:
            raise ValueError(f"maximum {self.maximum} is below minimum {self.minimum}")


@dataclass(frozen=True)
class BalanceRules:
    """An edition's capacity and balance rules. A country, sector or cell (one country within
    one sector) left out is unbounded; ``cells`` holds only the cells with rules of their own."""

    capacity: int
    countries: Mapping[Country, Bounds] = field(default_factory=dict)
    sectors: Mapping[Sector, Bounds] = field(default_factory=dict)
    cells: Mapping[Cell, Bounds] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError(f"capacity {self.capacity} must be at least 1")
        countries = {country: self.countries.get(country, Bounds()) for country in Country}
        sectors = {sector: self.sectors.get(sector, Bounds()) for sector in Sector}
        cells = {
            (country, sector): self.cells[country, sector]
            for country in Country
            for sector in Sector
            if (country, sector) in self.cells and self.cells[country, sector] != Bounds()
        }
        object.__setattr__(self, "countries", MappingProxyType(countries))
        object.__setattr__(self, "sectors", MappingProxyType(sectors))
        object.__setattr__(self, "cells", MappingProxyType(cells))

    def cell(self, country: Country, sector: Sector) -> Bounds:
        """The bounds of clusters from ``country`` in ``sector`` (unbounded unless set)."""
        return self.cells.get((country, sector), Bounds())

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
        cells = dict(self.cells)
        for relaxation in relaxations:
            kind, _, key = relaxation.rule.partition(":")
            if kind.startswith("country_"):
                countries[Country(key)] = _moved(countries[Country(key)], kind, relaxation)
            elif kind.startswith("sector_"):
                sectors[Sector(key)] = _moved(sectors[Sector(key)], kind, relaxation)
            elif kind.startswith("cell_"):
                country, _, sector = key.partition("/")
                cell = (Country(country), Sector(sector))
                cells[cell] = _moved(self.cell(*cell), kind, relaxation)
            else:
                raise ValueError(f"cannot relax rule {relaxation.rule!r}")
        return replace(self, countries=countries, sectors=sectors, cells=cells)


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
    the rules with `relaxations` applied: the fewest places moved in total.

    `ranked` holds every candidate in `priority` order, `chosen` the ids selected, and
    `explained_under` the rules the placements are explained by (the relaxed ones)."""

    chosen: frozenset[str]
    objective: Decimal
    feasible: bool
    relaxations: tuple[Relaxation, ...]
    conflicts: tuple[tuple[str, ...], ...]
    ranked: tuple[Candidate, ...] = field(repr=False)
    explained_under: tuple[_Rule, ...] = field(repr=False)

    @cached_property
    def _placements(self) -> list[Placement]:
        return _explain(self.ranked, self.chosen, self.explained_under)

    @property
    def selected(self) -> tuple[Placement, ...]:
        """The selected clusters' placements, in rank order (explained on first use)."""
        return tuple(p for p in self._placements if p.application_id in self.chosen)

    @property
    def waitlist(self) -> tuple[Placement, ...]:
        """The other candidates' placements, in rank order (explained on first use)."""
        return tuple(p for p in self._placements if p.application_id not in self.chosen)


@dataclass(frozen=True)
class _Rule:
    """One bound as a constraint: `group` is None for the capacity."""

    name: str
    group: Group
    bound: int
    is_minimum: bool

    def describe(self) -> str:
        side = "at least" if self.is_minimum else "at most"
        if self.group is None:
            return f"capacity ({self.bound} places)"
        if isinstance(self.group, tuple):
            country, sector = self.group
            where = f"from {country.value} in {sector.value}"
        else:
            where = f"{'from' if isinstance(self.group, Country) else 'in'} {self.group.value}"
        return f"{self.name} ({side} {self.bound} {where})"


def _groups(candidate: Candidate) -> tuple[Country, Sector, Cell, None]:
    """Every group a candidate counts in: its country, sector, cell, and the capacity."""
    return (candidate.country, candidate.sector, (candidate.country, candidate.sector), None)


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
            found += _bounded(f"{axis}_{{}}:{group.value}", group, bounds)
    for (country, sector), bounds in rules.cells.items():
        found += _bounded(f"cell_{{}}:{country.value}/{sector.value}", (country, sector), bounds)
    return found


def _bounded(name: str, group: Group, bounds: Bounds) -> list[_Rule]:
    """The minimum (unless zero) and maximum (if any) of ``bounds`` as rules; ``name`` has a
    ``{}`` for "min" or "max"."""
    found = []
    if bounds.minimum > 0:
        found.append(_Rule(name.format("min"), group, bounds.minimum, is_minimum=True))
    if bounds.maximum is not None:
        found.append(_Rule(name.format("max"), group, bounds.maximum, is_minimum=False))
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
        self._integral = elastic
        if not elastic:
            # Totally unimodular (module docstring): every vertex is integral, so the program
            # is solved as a linear one by the simplex method, which returns a vertex and
            # starts each re-solve from the last basis; every solution is still checked in
            # integers (`optimise`). Presolve would only cost time on these small programs.
            self._highs.setOptionValue("presolve", "off")
            self._highs.setOptionValue("solver", "simplex")
        self._cols: list[list[float]] = []
        self._rows: list[list[float]] = []
        self._in_rows: list[list[tuple[int, int]]] = []
        """Per column, the rows it takes part in and its coefficient there."""
        self._costs: Mapping[int, int] | None = None
        self.size = len(pool)
        self._add_columns(self.size, upper=1.0)
        self.points = [candidate.points for candidate in pool]
        self.slacks: list[int] = []
        self._rule_rows: dict[str, tuple[int, float, float]] = {}
        self.dropped: set[str] = set()
        of_group: dict[Group, list[int]] = {}
        for i, candidate in enumerate(pool):
            for group in _groups(candidate):
                of_group.setdefault(group, []).append(i)
        for rule in rules:
            members = list(of_group.get(rule.group, []))
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
        for index in indices if self._integral else ():
            self._highs.changeColIntegrality(index, highspy.HighsVarType.kInteger)
        self._cols.extend([0.0, upper] for _ in indices)
        self._in_rows.extend([] for _ in indices)
        return first

    def _add_row(
        self, members: list[int], coefficients: list[int], lower: float, upper: float
    ) -> int:
        self._highs.addRow(lower, upper, len(members), members, [float(c) for c in coefficients])
        row = len(self._rows)
        self._rows.append([lower, upper])
        for member, coefficient in zip(members, coefficients, strict=True):
            self._in_rows[member].append((row, coefficient))
        return row

    def bound_row(self, row: int, lower: float, upper: float) -> None:
        self._highs.changeRowBounds(row, lower, upper)
        self._rows[row][:] = [lower, upper]

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
        if costs is not self._costs:  # the rank walk re-solves under the same costs
            columns = list(range(len(self._cols)))
            self._highs.changeColsCost(
                len(columns), columns, [float(costs.get(col, 0)) for col in columns]
            )
            self._costs = costs
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
        """Whether ``values`` keep every bound and row, in integers. Row activities are summed
        over the columns taken only: a selection takes few of its candidates."""
        if not all(
            lower <= value <= upper
            for value, (lower, upper) in zip(values, self._cols, strict=True)
        ):
            return False
        activity = [0] * len(self._rows)
        for col, value in enumerate(values):
            if value:
                for row, coefficient in self._in_rows[col]:
                    activity[row] += coefficient * value
        return all(
            lower <= total <= upper
            for total, (lower, upper) in zip(activity, self._rows, strict=True)
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


def _best(pool: Sequence[Candidate], rules: Sequence[_Rule], shortfall: int) -> list[int] | None:
    """Indices into `pool` of the lexicographically best choice missing the rules by
    `shortfall` places (see the module docstring); None when no choice misses them by so few.

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
    most = program.optimise(dict.fromkeys(everyone, 1), maximise=True)
    if most is None:
        return None
    count, _ = most
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
    capacity, nor than the cell's own, country and sector maximums plus the `excess` by which
    maximums may be exceeded (None: without limit)."""
    room: dict[Cell, int] = {}
    for country in Country:
        for sector in Sector:
            limits = [
                rules.countries[country].maximum,
                rules.sectors[sector].maximum,
                rules.cell(country, sector).maximum,
            ]
            room[country, sector] = min(
                [rules.capacity]
                + [limit + excess for limit in limits if limit is not None and excess is not None]
            )
    pool = []
    for candidate in ranked:
        cell = _cell(candidate)
        if room[cell] > 0:
            room[cell] -= 1
            pool.append(candidate)
    return pool


def _counts(chosen: Iterable[Candidate]) -> Counter[Group]:
    counts: Counter[Group] = Counter()
    for candidate in chosen:
        counts.update(_groups(candidate))
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


def _ranked(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The candidates in `priority` order, sorted key by key from the last (Python's sort is
    stable): three sorts on plain attributes cost less than one on a built key tuple."""
    ranked = sorted(candidates, key=attrgetter("application_id"))
    ranked.sort(key=attrgetter("submitted_at"))
    ranked.sort(key=attrgetter("score"), reverse=True)
    return ranked


def solve(candidates: Sequence[Candidate], rules: BalanceRules) -> Outcome:
    """The best selection under `rules`, in the order the module docstring gives."""
    ranked = _ranked(candidates)
    if len({c.application_id for c in ranked}) != len(ranked):
        repeated = sorted(i for i, n in Counter(c.application_id for c in ranked).items() if n > 1)
        raise ValueError(f"application ids given more than once: {', '.join(repeated)}")
    constraints = _rules(rules)
    # Rules that can hold need no elastic program: the exact one says so by being feasible.
    shortfall = 0
    pool = _pool(ranked, rules, excess=shortfall)
    best = _best(pool, constraints, shortfall)
    if best is None:
        shortfall = _shortfall(_pool(ranked, rules, excess=None), constraints)
        pool = _pool(ranked, rules, excess=shortfall)
        best = _best(pool, constraints, shortfall)
    if best is None:
        raise RuntimeError("HiGHS found infeasible a program that always has a solution")
    chosen = [pool[i] for i in best]
    relaxations = _relaxations(chosen, constraints)
    conflicts = _conflicts(ranked, constraints, relaxations) if relaxations else ()
    return Outcome(
        chosen=frozenset(candidate.application_id for candidate in chosen),
        objective=sum((candidate.score for candidate in chosen), Decimal(0)),
        feasible=not relaxations,
        relaxations=tuple(relaxations),
        conflicts=conflicts,
        ranked=tuple(ranked),
        explained_under=tuple(_rules(rules.relaxed(relaxations))),
    )


def _explain(
    ranked: Sequence[Candidate], taken: Collection[str], rules: Sequence[_Rule]
) -> list[Placement]:
    """A placement per candidate, in rank order, naming the rules that overrode the ranking.

    The choice is optimal, so every exchange of a selected cluster for a better-ranked one
    left out breaks a rule: a minimum the selected one's group (country, sector, cell) is at,
    or a maximum the other one's has reached. A left-out cluster names the rules that block
    each such exchange, a selected one the minimums that protect it. A left-out cluster
    ranked below everyone selected names what stops it being added: the capacity or its own
    maximums.

    The rivals of a candidate are the cells whose best left-out cluster outranks it (for one
    selected) or whose worst selected one it outranks (for one left out): the first k cells in
    one fixed order, k growing with rank. So the rules, and the wording around them, depend
    only on the candidate's cell, whether it is selected, and k: at most 2 x 28 x 29 cases,
    each worked out once, however many candidates there are.
    """
    chosen = [candidate for candidate in ranked if candidate.application_id in taken]
    counts = _counts(chosen)
    limits = _Limits(
        at_minimum={r.group: r for r in rules if r.is_minimum and counts[r.group] == r.bound},
        at_maximum={r.group: r for r in rules if not r.is_minimum and counts[r.group] == r.bound},
    )
    order = {rule.name: index for index, rule in enumerate(rules)}
    lowest_taken: dict[Cell, int] = {}
    highest_left: dict[Cell, int] = {}
    for rank, candidate in enumerate(ranked, start=1):
        if candidate.application_id in taken:
            lowest_taken[_cell(candidate)] = rank
        else:
            highest_left.setdefault(_cell(candidate), rank)
    left_cells = sorted(highest_left, key=highest_left.__getitem__)
    left_ranks = [highest_left[cell] for cell in left_cells]
    taken_cells = sorted(lowest_taken, key=lowest_taken.__getitem__, reverse=True)
    taken_ranks = sorted(lowest_taken.values())

    def reasons_for(cell: Cell, selected: bool, rank: int) -> tuple[bool, list[_Rule]]:
        """Whether any cell contests the candidate's place, and the rules that decided it."""
        if selected:
            rivals = left_cells[: bisect_left(left_ranks, rank)]
            binding = {
                rule
                for other in rivals
                for rule in limits.broken_by_exchange(leaving=cell, entering=other)
                if rule.is_minimum
            }
        else:
            rivals = taken_cells[: len(taken_ranks) - bisect_right(taken_ranks, rank)]
            binding = {
                rule
                for other in rivals
                for rule in limits.broken_by_exchange(leaving=other, entering=cell)
            }
            if not rivals:
                reached = (None, cell[0], cell[1], cell)
                binding = {limits.at_maximum[g] for g in reached if g in limits.at_maximum}
        return bool(rivals), sorted(binding, key=lambda rule: order[rule.name])

    worked_out: dict[tuple[Cell, bool, int, int], tuple[tuple[str, ...], str]] = {}
    sizes = _counts(ranked)
    seen: dict[Group, int] = {}
    placements = []
    for rank, candidate in enumerate(ranked, start=1):
        country, sector, cell = candidate.country, candidate.sector, _cell(candidate)
        seen[country] = seen.get(country, 0) + 1
        seen[sector] = seen.get(sector, 0) + 1
        selected = candidate.application_id in taken
        case = (
            cell,
            selected,
            bisect_left(left_ranks, rank),
            len(taken_ranks) - bisect_right(taken_ranks, rank),
        )
        if case not in worked_out:
            contested, reasons = reasons_for(cell, selected, rank)
            worked_out[case] = (
                tuple(rule.name for rule in reasons),
                _summary(selected, contested, reasons),
            )
        binding_rules, summary = worked_out[case]
        position = (
            f"score {candidate.score}, #{rank} of {len(ranked)} overall, "
            f"#{seen[country]} of {sizes[country]} from {country.value}, "
            f"#{seen[sector]} of {sizes[sector]} in {sector.value}"
        )
        placements.append(
            Placement(
                application_id=candidate.application_id,
                country=country,
                sector=sector,
                score=candidate.score,
                rank=rank,
                country_rank=seen[country],
                sector_rank=seen[sector],
                binding_rules=binding_rules,
                summary=summary.format(position=position),
            )
        )
    return placements


@dataclass(frozen=True)
class _Limits:
    """The rules the choice sits exactly at, by group: one cluster fewer breaks a minimum
    here, one more a maximum (group None is the capacity)."""

    at_minimum: Mapping[Group, _Rule]
    at_maximum: Mapping[Group, _Rule]

    def broken_by_exchange(self, *, leaving: Cell, entering: Cell) -> list[_Rule]:
        sides: tuple[tuple[Group, Group], ...] = (
            (leaving[0], entering[0]),
            (leaving[1], entering[1]),
            (leaving, entering),
        )
        broken = []
        for left, came in sides:
            if left != came:
                broken += [self.at_minimum[left]] if left in self.at_minimum else []
                broken += [self.at_maximum[came]] if came in self.at_maximum else []
        return broken


def _summary(selected: bool, contested: bool, reasons: Sequence[_Rule]) -> str:
    """The placement's summary, with ``{position}`` left for the candidate's own ranks."""
    rules = ", ".join(rule.describe() for rule in reasons).replace("{", "{{").replace("}", "}}")
    if selected and reasons:
        return f"Selected ahead of better-ranked clusters to keep {rules}; {{position}}."
    if selected and contested:
        return (
            "Selected; the better-ranked clusters left out were held back by their own "
            "limits; {position}."
        )
    if selected:
        return "Selected on rank; {position}."
    if contested:
        return (
            "Waitlisted although it outranks selected clusters: taking the place of any of "
            f"them would break {rules}; {{position}}."
        )
    return f"Waitlisted behind every selected cluster, with {rules} reached; {{position}}."


def _admits(counts: Counter[Group], candidate: Candidate, rules: BalanceRules) -> bool:
    """Whether adding the candidate keeps the capacity and every maximum."""
    cell = _cell(candidate)
    limits = (
        (None, rules.capacity),
        (candidate.country, rules.countries[candidate.country].maximum),
        (candidate.sector, rules.sectors[candidate.sector].maximum),
        (cell, rules.cell(*cell).maximum),
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
            counts.update(_groups(candidate))
    return chosen


def best_replacement(
    selected: Sequence[Candidate], waitlist: Sequence[Candidate], rules: BalanceRules
) -> Candidate | None:
    """Who gets the place a selected cluster gave up: the best-ranked waitlisted cluster that
    keeps the capacity and every maximum, except that one bringing a country, sector or cell
    short of its minimum closer to it comes first (more such groups before fewer). Offers go
    out one at a time, so this looks one step ahead only; `solve` remains the exact answer. No
    cluster is both selected and waitlisted (a decision has one status)."""
    counts = _counts(selected)

    def shortfalls_eased(candidate: Candidate) -> int:
        cell = _cell(candidate)
        minimums = (
            (candidate.country, rules.countries[candidate.country].minimum),
            (candidate.sector, rules.sectors[candidate.sector].minimum),
            (cell, rules.cell(*cell).minimum),
        )
        return sum(counts[group] < minimum for group, minimum in minimums)

    fitting = [candidate for candidate in waitlist if _admits(counts, candidate, rules)]
    return min(fitting, key=lambda c: (-shortfalls_eased(c), priority(c)), default=None)
