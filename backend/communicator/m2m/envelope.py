"""SOAP 1.1 and 1.2 envelopes and faults, and the bare XML answers of HTTP GET/POST."""

from __future__ import annotations

from typing import Any, Literal

from lxml import etree

from communicator.m2m.codec import encode_value
from communicator.m2m.schema import NS, OPERATIONS, Operation, get_result_element
from communicator.m2m.xml import SOAP11, SOAP12, XSD, XSI, escape, local_name
from communicator.services.core.errors import InvalidInput, NotFound

Version = Literal["1.1", "1.2"]
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
ENVELOPE_NS = {"1.1": SOAP11, "1.2": SOAP12}
CONTENT_TYPES = {"1.1": b"text/xml; charset=utf-8", "1.2": b"application/soap+xml; charset=utf-8"}
_ENVELOPE_OPEN = (
    DECLARATION + '<soap:Envelope xmlns:soap="{ns}" xmlns:xsi="' + XSI + '" xmlns:xsd="' + XSD + '"><soap:Body>'
)
_ENVELOPE_CLOSE = "</soap:Body></soap:Envelope>"


def read_envelope(root: etree._Element, version: Version) -> tuple[Operation, etree._Element]:
    """The operation a SOAP request calls and its body element."""
    if root.tag != f"{{{ENVELOPE_NS[version]}}}Envelope":
        other = "1.2" if version == "1.1" else "1.1"
        if root.tag == f"{{{ENVELOPE_NS[other]}}}Envelope":
            raise InvalidInput(f"A SOAP {other} envelope needs the SOAP {other} content type.", code="soap_version")
        raise InvalidInput("The request is not a SOAP envelope.", code="soap_malformed")
    body = root.find(f"{{{ENVELOPE_NS[version]}}}Body")
    element = next(iter(body), None) if body is not None else None
    if element is None:
        raise InvalidInput("The SOAP body is empty.", code="soap_malformed")
    name = local_name(element)
    op = OPERATIONS.get(name)
    if op is None or etree.QName(element).namespace != NS:
        raise NotFound(f"Unknown operation {{{etree.QName(element).namespace}}}{name}.", code="unknown_operation")
    return op, element


def soap_response(op: Operation, version: Version, result: Any) -> bytes:
    """The SOAP answer of an operation: <OpResponse><OpResult>…</OpResult></OpResponse>."""
    inner = ""
    if op.result is not None and result is not None:
        inner = f"<{op.name}Result>{encode_value(op.result, result)}</{op.name}Result>"
    response = f'<{op.name}Response xmlns="{NS}">{inner}</{op.name}Response>'
    return (_ENVELOPE_OPEN.format(ns=ENVELOPE_NS[version]) + response + _ENVELOPE_CLOSE).encode()


def soap_fault(version: Version, client: bool, reason: str) -> bytes:
    """A SOAP fault: soap:Client / soap:Server (1.1), soap:Sender / soap:Receiver (1.2)."""
    text = escape(reason)
    if version == "1.1":
        code = "soap:Client" if client else "soap:Server"
        fault = f"<soap:Fault><faultcode>{code}</faultcode><faultstring>{text}</faultstring><detail /></soap:Fault>"
    else:
        code = "soap:Sender" if client else "soap:Receiver"
        fault = (
            f"<soap:Fault><soap:Code><soap:Value>{code}</soap:Value></soap:Code>"
            f'<soap:Reason><soap:Text xml:lang="en">{text}</soap:Text></soap:Reason><soap:Detail /></soap:Fault>'
        )
    return (_ENVELOPE_OPEN.format(ns=ENVELOPE_NS[version]) + fault + _ENVELOPE_CLOSE).encode()


def http_response(op: Operation, result: Any) -> bytes:
    """The HTTP GET/POST answer: the bare result, its root named after its type (empty for a void operation)."""
    root = get_result_element(op)
    if root is None or op.result is None:
        return b""
    if op.result.startswith("s:"):
        return f'{DECLARATION}<{root} xmlns="{NS}">{encode_value(op.result, result)}</{root}>'.encode()
    namespaces = f'xmlns:xsi="{XSI}" xmlns:xsd="{XSD}" xmlns="{NS}"'
    return f"{DECLARATION}<{root} {namespaces}>{encode_value(op.result, result)}</{root}>".encode()
