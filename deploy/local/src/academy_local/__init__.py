"""Real Kafka and MongoDB-wire servers for the Cluster Academy, run as local processes.

No container engine runs on the project's machines, so this package resolves, builds, starts,
probes and stops Apache Kafka (single-node KRaft, from Maven Central) and FerretDB 1.x (SQLite
backend, built with ``go install``) itself. Downloads and builds are cached under ``.cache/``.
"""
