"""Demo data: a small organisation that shows every role's journey."""
