"""academy: the operators' command for Cluster Academy.

It reads and mends what happens between the services: the events on a topic, the dead letters
and their redrive, the outboxes not yet published, a service's projections rebuilt from the
topics. It talks to the cluster named by
KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI (the local stack's 127.0.0.1:9092 and
mongodb://127.0.0.1:27017/ when unset), the same variables the services read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import click
from aiokafka.errors import KafkaError
from pymongo.errors import PyMongoError

from academy_kit.settings import ServiceSettings
from academy_ops import dead_letters, outbox, replay
from academy_ops.records import Decoded, UnknownTopic
from academy_ops.tail import tail as tail_topic

T = TypeVar("T")
_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _settings() -> ServiceSettings:
    return ServiceSettings(service_name="ops")


def _run(work: Awaitable[T]) -> T:
    async def awaited() -> T:
        return await work

    try:
        return asyncio.run(awaited())
    except (
        UnknownTopic,
        OverflowError,
        replay.ReplayRefused,
        KafkaError,
        PyMongoError,
    ) as exc:
        raise click.ClickException(str(exc)) from exc


def _since(value: str | None) -> datetime | None:
    """``--since``: a duration back from now (``90s``, ``15m``, ``2h``, ``1d``) or an ISO time."""
    if value is None:
        return None
    duration = _DURATION.match(value)
    if duration:
        amount, unit = duration.groups()
        return datetime.now(UTC) - timedelta(**{_UNITS[unit]: int(amount)})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: give 15m, 2h, 1d or an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _line(item: Decoded, as_json: bool, extra: dict[str, Any] | None = None) -> str:
    if as_json:
        return json.dumps({**item.as_json(), **(extra or {})}, ensure_ascii=False, default=str)
    when = item.time.isoformat(timespec="seconds") if item.time else "-"
    head = f"{when}  {item.type}  id={item.id}  key={item.key}  subject={item.subject}"
    if item.error:
        head += f"\n  undecodable: {item.error}"
    for name, value in (extra or {}).items():
        head += f"\n  {name}: {value}"
    return f"{head}\n  {json.dumps(item.body, ensure_ascii=False, default=str)}"


class _ProgressBar:
    """Click's progress bar (shown on a terminal only) for work whose size is known once it
    has started."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._bar: Any = None

    def __enter__(self) -> _ProgressBar:
        return self

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=total, label=self._label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


@click.group(help=__doc__)
def main() -> None:
    pass


@main.command()
@click.argument("topic")
@click.option("--type", "types", multiple=True, help="Only events whose type contains this.")
@click.option("--key", "keys", multiple=True, help="Only records with this key (repeatable).")
@click.option("--since", help="Start this far back (15m, 2h, 1d) or at an ISO time.")
@click.option("--max", "limit", type=click.IntRange(min=1), help="Stop after N events.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def tail(
    topic: str,
    types: tuple[str, ...],
    keys: tuple[str, ...],
    since: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """Print the CloudEvents on TOPIC (e.g. academy.applications) decoded through the contracts'
    registry: type, id, key, time, subject and body. Starts now (or at --since) and runs on
    until Ctrl-C or --max events."""

    async def follow() -> None:
        found: AsyncIterator[Decoded] = tail_topic(
            _settings().kafka_bootstrap_servers,
            topic,
            types=types,
            keys=keys,
            since=_since(since),
            limit=limit,
        )
        async for item in found:
            click.echo(_line(item, as_json))

    with contextlib.suppress(KeyboardInterrupt):
        _run(follow())


@main.group()
def dlt() -> None:
    """The dead-letter topics (<topic>.dlt): what consumers could not handle, and why."""


@dlt.command("list")
@click.argument("topic", required=False)
@click.option("--key", "keys", multiple=True, help="Only records with this key (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def dlt_list(topic: str | None, keys: tuple[str, ...], as_json: bool) -> None:
    """List the dead letters of TOPIC (of every topic when omitted) with the consumer's error,
    the consumer group, and where the record sat on its original topic."""
    found = _run(
        dead_letters.dead_letters(
            _settings().kafka_bootstrap_servers, [topic] if topic else [], keys
        )
    )
    for item in found:
        extra = {
            name: item.headers[name] for name in dead_letters.DLT_HEADERS if name in item.headers
        }
        click.echo(_line(item, as_json, extra))
    if not as_json:
        click.echo(f"{len(found)} dead letter(s)")


@dlt.command("redrive")
@click.argument("topic")
@click.option("--id", "ids", multiple=True, help="Only the event with this id (repeatable).")
@click.option(
    "--group",
    default=dead_letters.REDRIVE_GROUP,
    show_default=True,
    help="Consumer group that records what was moved.",
)
def dlt_redrive(topic: str, ids: tuple[str, ...], group: str) -> None:
    """Publish TOPIC's dead letters (or those of --id) back to TOPIC once their cause is
    mended. Each is moved once: running it again moves nothing already moved."""
    with _ProgressBar("dead letters read") as progress:
        done = _run(
            dead_letters.redrive(_settings().kafka_bootstrap_servers, topic, ids, group, progress)
        )
    for item in done.moved:
        click.echo(f"moved {item.type} id={item.id} key={item.key}")
    for item in done.truncated:
        click.echo(
            f"left {item.type} id={item.id} key={item.key} at {item.topic}[{item.partition}]"
            f"@{item.offset}: its copy was cut ({item.headers[dead_letters.TRUNCATED]})",
            err=True,
        )
    click.echo(f"{len(done.moved)} moved to {topic}, {done.moved_before} already moved before")


@main.command("outbox")
@click.option("--database", "databases", multiple=True, help="Only this database (repeatable).")
def outbox_backlog(databases: tuple[str, ...]) -> None:
    """Per service database (academy_*), the outbox entries not yet published to Kafka and the
    age of the oldest. A count or age that grows means that service's relay is not publishing."""
    found = _run(outbox.backlogs(_settings().mongodb_uri, databases))
    now = datetime.now(UTC)
    for backlog in found:
        age = backlog.age(now)
        shown = f"{age.total_seconds():.0f} s" if age is not None else "-"
        click.echo(f"{backlog.database:<32} {backlog.pending:>7} pending   oldest {shown}")


class _ReplayCommand(click.Command):
    """``academy replay``, whose help names what each service's replay rebuilds, in the
    services' own words: they are imported for the help or the replay only, not for every
    ``academy`` command."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        parts = [f"{name}: {replay.replayable(name).about}." for name in sorted(replay.SERVICES)]
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(REPLAY_HELP[0])
            formatter.write_paragraph()
            formatter.write_text("What each service's replay rebuilds (the rest is kept):")
            with formatter.indentation():
                for part in parts:
                    formatter.write_text(part)
            for paragraph in REPLAY_HELP[1:]:
                formatter.write_paragraph()
                formatter.write_text(paragraph)


REPLAY_HELP = (
    "Rebuild SERVICE's projections from the topics into a new database, with progress, "
    "stopping at the end offsets taken when it starts.",
    "Nothing outside the new database changes: the topics are read without a consumer group, "
    "no event is published, no email sent, no webhook called. The service's own handlers do "
    "the work, with the settings the service reads (ACADEMY_DATABASE, ACADEMY_CONSUMER_GROUP, "
    "MONGODB_URI, KAFKA_BOOTSTRAP_SERVERS): run it with the service's environment.",
    "The new database is not swapped in by this command: MongoDB (and FerretDB) cannot rename "
    "a database, and copying collections under a running service would lose its writes. The "
    "service reads its database from ACADEMY_DATABASE at start, so the swap is a restart.",
)


@main.command("replay", cls=_ReplayCommand, short_help="Rebuild a service's projections.")
@click.argument("service", type=click.Choice(sorted(replay.SERVICES)))
@click.option("--into", "database", help="The new database [default: <live>_replay_<UTC time>].")
def replay_projections(service: str, database: str | None) -> None:
    part = replay.replayable(service)
    target = database or replay.default_database(part.settings.database_name)
    with _ProgressBar(f"{service} events replayed into {target}") as progress:
        done = _run(replay.rebuild(part, target, progress=progress))
    for failure in done.failed:
        click.echo(f"failed {failure}", err=True)
    click.echo(
        f"{done.handled} events replayed into {target}, {len(done.failed)} failed, "
        f"{done.undecodable} undecodable (the live consumer dead-lettered those too)"
    )
