"""Model recipes, trained weights and their registry entries (models/registry)."""
