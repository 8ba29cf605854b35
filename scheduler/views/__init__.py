"""Read-only views made for people: the plan in staff formats, the day preview, `qm status`, console links."""
