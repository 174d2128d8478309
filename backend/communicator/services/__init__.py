"""Services: the only layer that changes state. Entry points call exactly one service function."""
