"""Selection service: learns of applications from registration's events and keeps its own
record of each candidate cluster (screening, reviews and balanced selection build on it)."""
