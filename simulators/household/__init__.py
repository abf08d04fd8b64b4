"""Household simulators with ground truth: water use, gas leaks, wearables, a community stream."""
