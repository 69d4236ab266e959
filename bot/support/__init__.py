"""The support network: workers, guided sessions, call-back requests, summaries, statistics."""
