"""The MTS Communicator M2M API (SOAP 1.1/1.2, HTTP GET/POST): XML stays here, every operation calls one service action."""
