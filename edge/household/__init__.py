"""Household safety and elderly care at the edge: gas interlock, meters, welfare, wearables."""
