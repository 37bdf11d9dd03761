"""fssim: a local simulator and test harness for the Segment -> Freshsales integration."""

__version__ = "0.1.0"

__all__ = ["__version__"]
