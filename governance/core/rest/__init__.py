"""The REST API under ``/api/``: an entry point beside the pages, over the same services and policies."""
