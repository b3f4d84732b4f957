"""Deliberately faulty mocks: each breaks one rule, so the suites can be proven to catch it."""
