"""Statistics collected while the campaign runs, for the work summary (工作总结).

sources.py   what a source is: figures of one day, final or not yet, and its errors
wechat.py    WeChat's data APIs (datacube) for the articles qm published, matched by receipts
weibo.py     Weibo's counts (reposts, comments, likes) for the posts qm made, where the scope allows
screens.py   plays, distinct items and on-air minutes per wall per day, from proof of play
collect.py   the daily job: which days to ask, catching up after downtime; stored idempotently
"""
