"""Hardened XML in, escaped XML out: no DTD, no entities, no network, bounded size. See docs/m2m.md."""

from __future__ import annotations

import re

from lxml import etree

from communicator.services.core.errors import InvalidInput

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"

# Nothing is fetched or expanded: no DTD loaded, entities left unresolved, no network; without huge-tree mode
# libxml2 also caps nesting depth and text node size.
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)
# A request needs no document type at all; refusing it before parsing also refuses every entity trick.
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def parse_xml(body: bytes) -> etree._Element:
    """The document's root element, or InvalidInput when it is not plain, well-formed XML."""
    if _DOCTYPE.search(body):
        raise InvalidInput("A DTD or entity declaration is not allowed.", code="xml_dtd_refused")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as error:
        raise InvalidInput(f"The request is not well-formed XML: {error.msg}.", code="xml_malformed") from None
    if root is None:
        raise InvalidInput("The request body is empty.", code="xml_malformed")
    return root


def local_name(element: etree._Element) -> str:
    """An element's name without its namespace."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def escape(text: str) -> str:
    """Text safe inside an XML element (characters XML 1.0 cannot carry are dropped)."""
    text = _INVALID_XML_CHARS.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
