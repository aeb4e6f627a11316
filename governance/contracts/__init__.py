"""Third-party research contracts: records, the state machine, extensions, reminders, calendar."""
