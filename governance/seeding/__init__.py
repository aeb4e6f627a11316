"""Large-organisation data for measuring the portal at scale (``manage.py seed_scale``)."""
