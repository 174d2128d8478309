"""The webhook sender: posts the outbox's calls, signed, with retries (docs/webhooks.md)."""
