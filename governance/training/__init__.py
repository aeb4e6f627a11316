"""Training courses, versions, sign-offs, clearance for personal data, compliance and reminders."""
