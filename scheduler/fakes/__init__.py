"""Fake servers that follow a platform's documented contract, for tests and trying things out offline."""
