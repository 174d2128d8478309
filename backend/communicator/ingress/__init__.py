"""Ways in that are not HTTP (e-mail over SMTP): each translates its protocol and calls one service action."""
