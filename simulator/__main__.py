"""``python -m simulator`` is the same as the ``fssim`` command."""

from simulator.cli import main

if __name__ == "__main__":
    main()
