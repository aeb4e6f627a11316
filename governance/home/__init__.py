"""The home page's services: each person's task list, gathered from every domain."""
