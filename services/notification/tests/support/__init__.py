"""Plain helpers of the notification tests: the story of one cluster's events and in-memory
stores for the fast tier."""
