"""``python -m smartcommunity`` runs the command line."""

from smartcommunity.cli import main

main()
