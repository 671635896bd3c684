"""``academy-local``: start, stop and inspect the local Kafka broker and FerretDB, or run the
whole system on them.

academy-local up [--stack dev|test]      start both (idempotent), wait, create topics
academy-local down [--stack …] [--wipe]  stop both (idempotent); --wipe deletes their data
academy-local status [--stack …]         pids and whether each answers
academy-local env [--stack …]            KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI lines to export
academy-local run [--stack …]            the servers, a mail sink and the four services, until
                                         Ctrl-C (what ``make up`` runs)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from academy_local import builds, servers, system
from academy_local.probes import kafka_answers, mongo_answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="academy-local",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["up", "down", "status", "env", "run"])
    parser.add_argument("--stack", choices=sorted(servers.STACKS), default="dev")
    parser.add_argument("--wipe", action="store_true", help="with down: delete the servers' data")
    args = parser.parse_args(argv)
    stack = servers.STACKS[args.stack]

    if args.command == "run":
        return system.run(stack)
    if args.command == "up":
        started = time.monotonic()
        try:
            asyncio.run(servers.up(stack))
        except (servers.ServerStartError, builds.BuildError) as exc:
            print(f"academy-local: {exc}", file=sys.stderr)
            return 1
        print(f"kafka     {stack.kafka_bootstrap}")
        print(f"mongodb   {stack.mongodb_uri}")
        print(f"ready in {time.monotonic() - started:.1f} s (logs in {stack.state_dir})")
    elif args.command == "down":
        stopped = servers.down(stack, wipe=args.wipe)
        print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    elif args.command == "status":
        pids = servers.is_running(stack)
        answers = {
            "kafka": asyncio.run(kafka_answers(stack.kafka_bootstrap)),
            "ferretdb": asyncio.run(mongo_answers(stack.mongodb_uri)),
        }
        for name, pid in pids.items():
            print(f"{name:9} pid={pid or '-':<8} answers={answers[name]}")
        return 0 if all(answers.values()) else 1
    else:
        print(f"KAFKA_BOOTSTRAP_SERVERS={stack.kafka_bootstrap}")
        print(f"MONGODB_URI={stack.mongodb_uri}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
