"""Assurance for the SIRO: information risks, annual IAM returns and the SIRO's report."""
