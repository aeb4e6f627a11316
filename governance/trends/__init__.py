"""Compliance over time: the daily snapshot of the figures, and charts drawn from them on the server."""
