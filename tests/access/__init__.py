"""Tests of the access domain."""
