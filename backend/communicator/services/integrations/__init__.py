"""Integrations: e-mail to SMS (mail, mail_receive) and webhooks (webhooks)."""
