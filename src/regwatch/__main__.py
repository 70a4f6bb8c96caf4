"""``python -m regwatch`` runs the command line."""

from .cli import main

main()
