"""Benchmark: the cost of each request as the stores fill up.

For each step (1,000, 5,000 and 20,000 applications by default) the services' databases are
filled to that many applications and their messages, then each request is timed (median of a
few) against the running services: a submission, the staff list and its CSV (registration),
the review queue and the selection preview (selection), and the messages list (notification).
Costs are reported as ratios to the first step: a flat cost stays near 1.

The store grows the way many editions make it grow: the measured edition holds the first
``--edition-size`` applications (1,000 by default) and every later one goes to another edition
of the same size, so a flat cost is one that does not grow with what other editions stored.

Filling is fast and faithful: a few applications go through the real pipeline first, and their
documents, as each service stored them, are copied under new ids straight into each service's
database (the outbox of a copy is empty: its events count as published).

    uv run python benchmarks/scale.py [--steps 1000 5000 20000] [--repeat 5] [--port-base P]

Prints a table and writes it as JSON to benchmarks/results/scale.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from typing import Any

import httpx
from pipeline import EMAILS_PER_APPLICATION, RECEIVED, Followed, open_edition, submit, wait_for
from pymongo import AsyncMongoClient
from stack import (
    BENCH,
    COUNTRIES,
    SCALE,
    Bench,
    MailSink,
    System,
    application_form,
    results_dir,
    run_id,
    services,
    staff_headers,
    start_servers,
    stop_servers,
)

from academy_contracts.roles import Role
from academy_local import servers

TEMPLATES = 3
"""Applications sent through the pipeline at the start, whose stored documents are copied."""
COPIED = {
    "academy_registration": ["applications"],
    "academy_selection": ["applications"],
    "academy_notification": ["applications", "messages"],
}
Doc = dict[str, Any]


def _renamed(value: Any, replace: dict[str, str]) -> Any:
    """``value`` with every string the templates' ids appear in rewritten for a copy."""
    if isinstance(value, str):
        for old, new in replace.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {k: _renamed(v, replace) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, replace) for v in value]
    return value


def copy_of(doc: Doc, replace: dict[str, str], n: int) -> Doc:
    copy: Doc = _renamed(doc, replace)
    if copy["_id"] == doc["_id"]:  # a message: its id names the template's event, not its ids
        copy["_id"] = f"{doc['_id']}-copy{n}"
    if "outbox" in copy:
        copy["outbox"] = []
    if isinstance(copy.get("cluster"), dict):
        copy["cluster"]["country"] = COUNTRIES[n % len(COUNTRIES)]
    return copy


def edition_of(edition: str, n: int, edition_size: int) -> str:
    """The edition copy ``n`` goes to: the measured one for the first ``edition_size``."""
    return edition if n < edition_size else f"{edition}-o{n // edition_size}"


async def fill(
    edition: str, followed: Followed, run: str, target: int, have: int, edition_size: int
) -> int:
    """Copy the templates until ``target`` applications are stored; how many there are now."""
    client: AsyncMongoClient[Doc] = AsyncMongoClient(BENCH.mongodb_uri, tz_aware=True)
    try:
        templates: dict[tuple[str, str], list[Doc]] = {}
        ids = list(followed.posted)[:TEMPLATES]
        for db, collections in COPIED.items():
            for name in collections:
                found = [
                    d
                    async for d in client[db][name].find({})
                    if d["_id"] in ids or d.get("application_id") in ids
                ]
                templates[(db, name)] = found
        while have < target:
            chunk = range(have, min(target, have + 500))
            for (db, name), docs in templates.items():
                copies = []
                for n in chunk:
                    for t, template_id in enumerate(ids):
                        if n % TEMPLATES != t:
                            continue
                        replace = {
                            edition: edition_of(edition, n, edition_size),
                            template_id: f"{uuid.uuid4().hex}",
                            f"{run}-{t}": f"{run}-c{n}",
                            f"-{t}-{run}": f"-c{n}-{run}",
                        }
                        copies += [
                            copy_of(d, replace, n)
                            for d in docs
                            if template_id in (d["_id"], d.get("application_id"))
                        ]
                if copies:
                    await client[db][name].insert_many(copies, ordered=False)
            have = chunk.stop
        return have
    finally:
        await client.close()


async def timed(call: Any, repeat: int) -> tuple[float, int]:
    """Median seconds of ``repeat`` calls, and the status of the last one."""
    times, status = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        response = await call()
        times.append(time.perf_counter() - start)
        status = response.status_code
    return statistics.median(times), status


async def costs(
    system: System, edition: str, run: str, repeat: int, step: int
) -> dict[str, tuple[float, int]]:
    staff = staff_headers(Role.ADMIN, Role.COMMITTEE)
    reg, sel, notif = (system.url(s) for s in ("registration", "selection", "notification"))
    counter = iter(range(10**6))
    async with httpx.AsyncClient(headers=staff, timeout=600) as client:
        # Only the edition's committee has a review queue: list the bench token's subject.
        committee = {"committee": [{"subject": "bench@localhost"}]}
        await client.put(f"{sel}/v1/editions/{edition}/review-policy", json=committee)

        async def submission() -> httpx.Response:
            n = next(counter)
            form = application_form(edition, 10**7 + step * 1000 + n, run)
            return await client.post(f"{reg}/v1/applications", json=form)

        calls = {
            "submission": submission,
            "staff list": lambda: client.get(
                f"{reg}/v1/applications", params={"edition_id": edition, "country": "TN"}
            ),
            "staff CSV": lambda: client.get(
                f"{reg}/v1/applications.csv", params={"edition_id": edition}
            ),
            "review queue": lambda: client.get(f"{sel}/v1/editions/{edition}/review-queue"),
            "selection preview": lambda: client.post(
                f"{sel}/v1/editions/{edition}/selection/preview"
            ),
            "messages list": lambda: client.get(f"{notif}/v1/messages"),
        }
        return {name: await timed(call, repeat) for name, call in calls.items()}


async def measure(
    steps: list[int], repeat: int, edition_size: int
) -> dict[int, dict[str, tuple[float, int]]]:
    run = run_id()
    edition = f"scale-{run}"
    results: dict[int, dict[str, tuple[float, int]]] = {}
    with MailSink(BENCH.smtp_port) as sink:
        async with services() as system:
            await open_edition(system, edition)
            followed = Followed()
            async with httpx.AsyncClient(base_url=system.url("registration")) as client:
                for n in range(TEMPLATES):
                    await submit(client, edition, n, run, followed)
            done = EMAILS_PER_APPLICATION * TEMPLATES
            if await wait_for(lambda: sink.count(RECEIVED) >= done, 600) is None:
                raise RuntimeError("the template applications were not emailed in time")
            have = TEMPLATES
            for step in steps:
                have = await fill(edition, followed, run, step, have, edition_size)
                await asyncio.sleep(2)  # let the services settle after the bulk insert
                results[step] = await costs(system, edition, run, repeat, step)
                have += repeat  # the submissions measured are stored applications too
                print(f"step {step}: {results[step]}", flush=True)
    return results


def report(results: dict[int, dict[str, tuple[float, int]]]) -> str:
    steps = list(results)
    first = results[steps[0]]
    head = f"{'request':20}" + "".join(f"{s:>14,}" for s in steps) + "   ratio last/first"
    lines = [head]
    for name in first:
        cells = "".join(f"{results[s][name][0] * 1000:>11.0f} ms" for s in steps)
        ratio = results[steps[-1]][name][0] / first[name][0]
        statuses = {results[s][name][1] for s in steps}
        lines.append(f"{name:20}{cells}   {ratio:8.2f}x   (HTTP {sorted(statuses)})")
    return "\n".join(lines)


def ported(base: int) -> Bench:
    """The scale stack's layout on ports from ``base`` on, under a state folder of its own."""
    stack = servers.Stack(f"bench-scale-{base}", base, base + 1, base + 2)
    names = ("registration", "selection", "notification")
    return Bench(stack, base + 20, {name: base + 21 + k for k, name in enumerate(names)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--repeat", type=int, default=5, help="calls per request and step")
    parser.add_argument(
        "--edition-size", type=int, default=1000, help="applications of the measured edition"
    )
    parser.add_argument(
        "--port-base",
        type=int,
        help="run on ports P..P+23 instead of the default ones (a stack beside another's)",
    )
    parser.add_argument("--keep-servers", action="store_true", help="leave the stack running")
    args = parser.parse_args()
    # Ports of its own: it may run beside the pipeline benchmark.
    BENCH.use(SCALE if args.port_base is None else ported(args.port_base))
    try:
        start_servers(wipe=True)
        results = asyncio.run(measure(sorted(args.steps), args.repeat, args.edition_size))
    finally:
        if not args.keep_servers:
            stop_servers()
    name = "scale.json" if args.port_base is None else f"scale-{args.port_base}.json"
    (results_dir() / name).write_text(json.dumps(results, indent=2) + "\n")
    print(report(results))


if __name__ == "__main__":
    main()
