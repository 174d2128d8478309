"""The SMPP 3.4 protocol layer under the SMPP driver: PDUs, texts, receipts, one bound session. See docs/gateway.md."""
