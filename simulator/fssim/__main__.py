"""``python -m fssim`` is the same as the ``fssim`` command."""

from fssim.cli import main

if __name__ == "__main__":
    main()
