"""``python -m strokedelta`` runs the command line."""

from strokedelta.cli import main

if __name__ == "__main__":
    main()
