"""What keeps the daemon running: clock, single-instance lock and PostgreSQL lease, stepped scheduler, full disk, drawing child."""
