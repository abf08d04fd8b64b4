"""Plate recogniser recipe: synthetic crops (synth) and training (train)."""
