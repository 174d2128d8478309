"""Sending, receiving, delivery statuses, threads and message views."""
