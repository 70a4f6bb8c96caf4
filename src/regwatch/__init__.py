"""regwatch: watch export-control sources; tell compliance teams what changed that touches them."""

__version__ = "0.1.0"
