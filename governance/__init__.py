"""Custom governance app: the policy's controls, their records and their evidence."""
