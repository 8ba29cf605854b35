"""Planned posts made into channel payloads: Jinja2 templates in a sandbox, the Markdown subset, text measures, pre-publication checks."""
