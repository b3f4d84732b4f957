"""Stub servers for the four job-status APIs, all driven by one lifecycle engine."""
