"""The registry of people who must be trained: units, organisations, people."""
