"""Notification service: Bilingual messages to applicants and participants, staff outputs, webhooks.

The service runs with its own database, health, metrics and API documents; its domain is the
subject of its own issue."""
