"""Running the installation: the gateway links' reported state, the queue's depth (docs/operations.md)."""
