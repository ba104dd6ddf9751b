"""The core through its dispatcher, as conversations: real use cases, catalogs and a real SQLite
file per test, with a fake clock and a fake platform. Not unit tests: each one runs the whole core."""
