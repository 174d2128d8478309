"""The gateway: claims deliveries, submits them through a driver, records results. See docs/gateway.md."""
