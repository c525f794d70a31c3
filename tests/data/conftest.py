"""Fixtures for the data tests (their helper module ``bvh_samples`` lives in tests/)."""
