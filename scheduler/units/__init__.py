"""Participating units (区县、成员单位) and what they send the office: an activity plan (方案) by
`key_dates.county_plans_due` and a work summary (总结) by `key_dates.summary_due`.

    submissions.py  files placed under <submissions>/<unit>/方案|总结/, recorded with their hash; who is on time, late, missing
    unrecorded.py   what scanning did not record: files of the wrong format, which kind a problem is about
    extract.py      the text of a .docx or .txt, or why it cannot be read (corrupt, password, wrong extension)
    reminders.py    reminders to a unit's webhook before a deadline, and to the office for units missing after it
    digest.py       the consolidated document (汇总) sent upward
    copy_body.py    a unit's .docx carried into it as laid out: headings and tables mapped onto its own styles
    fields.py       Word fields in it (INCLUDEPICTURE, HYPERLINK, DDEAUTO) flattened to the text they show
    numbering.py    the numbers of its numbered lists ("1.", "（一）") worked out as Word shows them, written as text
"""
