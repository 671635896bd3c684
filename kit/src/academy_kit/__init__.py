"""Building blocks every Cluster Academy service uses, and no domain logic.

Like eShop's EventBus and ServiceDefaults projects: the services share the contracts and these
mechanics (outbox relay, idempotent consumption with a dead-letter topic, health, metrics, logs,
problem details), never each other's code or data.
"""
