"""The ``fssim`` sub-commands, one module per concern; :mod:`simulator.cli` assembles them."""
