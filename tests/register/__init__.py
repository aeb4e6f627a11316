"""Tests of the register domain."""
