"""Recipe of the falling-object trajectory classifier: simulate, extract tracks, train, export."""
