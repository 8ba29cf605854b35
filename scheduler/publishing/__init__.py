"""The queue database and what happens to a post in it: states, review, timing decisions, warnings, backups."""
