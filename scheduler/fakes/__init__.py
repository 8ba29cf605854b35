"""Local fake platform servers for tests and `qm simulate`: real HTTP on 127.0.0.1, documented contract."""
