"""Shared plumbing every layer may use: errors, logs, secret redaction, OS messages, atomic files, notifications, worker processes."""
