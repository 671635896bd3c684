"""Registration service: cluster applications (and, to come, editions, company registrations
and session check-in). It publishes ApplicationSubmitted through its outbox."""
