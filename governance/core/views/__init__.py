"""Thin views, one module per area. Rules live in ``governance.services``."""
