"""Simulated cameras, meters and wearables with ground truth, for tests and demos."""
