"""Notification service: bilingual messages to applicants and participants, staff outputs and
integrator webhooks.

It consumes every Academy topic, records the email messages each event (or the clock) causes
before sending them over SMTP with retries, publishes NotificationDelivered/Failed through its
outbox, serves the staff outbox and digest, and POSTs signed CloudEvents to subscribed webhooks."""
