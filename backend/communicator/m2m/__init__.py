"""The MTS Communicator M2M API: SOAP 1.1/1.2 and HTTP GET/POST ↔ the same service calls. See docs/m2m.md."""
