"""The root of every error fssim raises on purpose: ``except fssim.FssimError`` catches them all.

(The full tree is documented here once every module's errors derive from it.)
"""

from __future__ import annotations

__all__ = ["FssimError"]


class FssimError(Exception):
    """Something fssim refused or could not do, with a message a user can act on."""
