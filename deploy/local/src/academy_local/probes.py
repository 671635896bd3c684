"""Does a server really answer? Used while the local stack starts and by `academy-local status`;
the services ask their own broker and database client instead (`academy_kit.web`)."""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError


async def kafka_answers(bootstrap: str, timeout_ms: int = 3000) -> bool:
    """True when the broker answers a metadata request naming at least one broker."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=timeout_ms)
    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # a refused connection is the expected "no" here
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
        return bool(cluster.get("brokers"))
    except (KafkaError, OSError):
        return False
    finally:
        await admin.close()
        quiet.setLevel(level)


async def mongo_answers(uri: str, timeout_ms: int = 1000) -> bool:
    """True when the server answers ``ping`` over the MongoDB wire protocol."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        uri, serverSelectionTimeoutMS=timeout_ms
    )
    try:
        reply = await client.admin.command("ping")
        return bool(reply.get("ok"))
    except PyMongoError:
        return False
    finally:
        await client.close()
