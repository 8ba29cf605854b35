"""Statistics collected while the campaign runs, for the work summary (工作总结).

sources.py   what a source is: figures of one day, final or not yet, and its errors
daily.py     the daemon's hourly job: each channel's source, as its kind makes it (`Kind.stats_source`)
collect.py   the daily job: which days to ask, catching up after downtime; stored idempotently
"""
