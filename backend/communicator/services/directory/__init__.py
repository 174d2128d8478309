"""Employees, groups and tag subscriptions."""
