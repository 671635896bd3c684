"""The Academy's pages for applicants and participants, server-rendered in French and English,
over the four services' public HTTP APIs (a backend-for-frontend: no database, no Kafka)."""
