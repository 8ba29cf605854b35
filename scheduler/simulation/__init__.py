"""Whole campaigns replayed on a fake clock through the real daemon: faults, restarts, failover, figures."""
