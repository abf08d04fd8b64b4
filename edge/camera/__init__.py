"""Camera sources shared by every video capability: files, streams, simulators."""
