"""The ``fssim`` sub-commands, one module per concern; :mod:`fssim.cli` assembles them."""
