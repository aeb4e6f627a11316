"""The core's pages (sign-in, account security, the audit trail) and the mixins every domain's views use."""
