"""smartcommunity: command line, demo and local runtime helpers."""
