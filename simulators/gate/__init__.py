"""Simulated vehicle gate: rendered Chinese plates on vehicles in a lane, with ground truth."""
