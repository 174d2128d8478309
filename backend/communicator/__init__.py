"""Communicator: a self-hosted corporate two-way SMS hub."""

__version__ = "0.1.0"
