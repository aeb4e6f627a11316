"""Access requests, grants, recertification and granted-data extracts."""
