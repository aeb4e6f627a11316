"""Tests of the REST API and its tokens."""
