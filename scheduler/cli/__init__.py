"""The `qm` command line: a thin layer over the library; errors become messages and exit codes here."""
