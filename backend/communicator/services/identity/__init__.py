"""Accounts, users, logins, sessions, API tokens, login throttling and the server secret."""
