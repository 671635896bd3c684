"""Helpers of selection's fast tests: in-memory stores, and the handlers wired on them."""
