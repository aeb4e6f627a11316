"""Shared foundations every domain uses: the audit trail and its chain, notifications, object
permissions, security events and fresh codes, history, uploads and access events."""
