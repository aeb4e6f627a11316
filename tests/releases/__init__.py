"""Tests of the releases domain."""
