"""The CenturyLink Cloud v2 operation-status suite (contracts/clc): login, Get Status, auth and account scoping."""
