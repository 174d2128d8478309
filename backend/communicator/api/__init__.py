"""Thin Litestar controllers: translate HTTP to one service call and back."""
