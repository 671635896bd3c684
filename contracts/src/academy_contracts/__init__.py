"""Cluster Academy event contracts: the only code the services share.

- :mod:`academy_contracts.values`: enums and value types (countries, sectors, money, UTC times).
- :mod:`academy_contracts.events`: the versioned event models.
- :mod:`academy_contracts.registry`: event types, their topics and dead-letter topics.
- :mod:`academy_contracts.envelope`: the CloudEvents 1.0 envelope in Kafka binary mode.
- :mod:`academy_contracts.export`: JSON Schema and AsyncAPI export, and the compatibility rule.
"""
