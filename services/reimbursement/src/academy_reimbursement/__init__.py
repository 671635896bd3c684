"""Reimbursement service: Expense claims, supporting documents and the 90% reimbursement.

The service runs with its own database, health, metrics and API documents; its domain is the
subject of its own issue."""
