"""Our WSDL, generated from m2m/schema.py, with this server's address in all four ports."""

from __future__ import annotations

from functools import lru_cache

from communicator.m2m.schema import ARRAYS, COMPLEX, ENUMS, NS, OPERATIONS, Field, Operation, get_result_element
from communicator.m2m.xml import escape

SERVICE = "MTS_x0020_Communicator_x0020_M2M_x0020_XML_x0020_API"
BINDINGS = ("Soap", "Soap12", "HttpGet", "HttpPost")
_MIME_XML = '<mime:mimeXml part="Body" />'
_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<wsdl:definitions xmlns:s="http://www.w3.org/2001/XMLSchema" '
    'xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:http="http://schemas.xmlsoap.org/wsdl/http/" '
    'xmlns:mime="http://schemas.xmlsoap.org/wsdl/mime/" xmlns:tns="' + NS + '" '
    'xmlns:s1="' + NS + '/AbstractTypes" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" '
    'xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" targetNamespace="' + NS + '" '
    'xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">'
)


def _element(f: Field, unbounded: bool = False) -> str:
    """One xs:element of a sequence (value types required, references optional, as ASP.NET writes them)."""
    required = f.type in ("s:long", "s:int", "s:boolean", "s:dateTime", "s:unsignedByte") or f.type[4:] in ENUMS
    occurs = 'minOccurs="0" maxOccurs="unbounded"' if unbounded else f'minOccurs="{int(required)}" maxOccurs="1"'
    nil = ' nillable="true"' if f.nillable else ""
    return f'<s:element {occurs} name="{f.name}"{nil} type="{f.type}" />'


def _sequence(fields: tuple[Field, ...] | list[Field]) -> str:
    """A complexType body."""
    return "<s:complexType><s:sequence>" + "".join(_element(f) for f in fields) + "</s:sequence></s:complexType>"


def _types() -> str:
    """The schema: request/response elements, complex and array types, enums, HTTP result elements."""
    parts = []
    for op in OPERATIONS.values():
        parts.append(f'<s:element name="{op.name}">{_sequence(op.params)}</s:element>')
        returned = [Field(f"{op.name}Result", op.result)] if op.result else []
        parts.append(f'<s:element name="{op.name}Response">{_sequence(returned)}</s:element>')
    for name, fields in COMPLEX.items():
        body = "".join(_element(f) for f in fields)
        parts.append(f'<s:complexType name="{name}"><s:sequence>{body}</s:sequence></s:complexType>')
    for name, (item, item_type) in ARRAYS.items():
        nil = item_type != "s:long"
        body = _element(Field(item, item_type, nillable=nil), unbounded=True)
        parts.append(f'<s:complexType name="{name}"><s:sequence>{body}</s:sequence></s:complexType>')
    for name, values in ENUMS.items():
        enums = "".join(f'<s:enumeration value="{v}" />' for v in values)
        parts.append(
            f'<s:simpleType name="{name}"><s:restriction base="s:string">{enums}</s:restriction></s:simpleType>'
        )
    for result in sorted({op.result for op in OPERATIONS.values() if op.result}):
        root = result.split(":", 1)[1]
        nillable = "" if result == "s:long" else ' nillable="true"'
        parts.append(f'<s:element name="{root}"{nillable} type="{result}" />')
    abstract = (
        f'<s:schema targetNamespace="{NS}/AbstractTypes"><s:complexType name="StringArray"><s:sequence>'
        '<s:element minOccurs="0" maxOccurs="unbounded" name="String" type="s:string" />'
        "</s:sequence></s:complexType></s:schema>"
    )
    schema = f'<s:schema elementFormDefault="qualified" targetNamespace="{NS}">{"".join(parts)}</s:schema>'
    return f"<wsdl:types>{schema}{abstract}</wsdl:types>"


def _http_part(f: Field) -> str:
    """An HTTP GET/POST input part: every value a string, arrays as s1:StringArray."""
    kind = "s1:StringArray" if f.type.startswith("tns:ArrayOf") else "s:string"
    return f'<wsdl:part name="{f.name}" type="{kind}" />'


def _messages(op: Operation) -> str:
    """The SOAP and (where carried) HTTP messages of one operation."""
    out = [
        f'<wsdl:message name="{op.name}SoapIn"><wsdl:part name="parameters" element="tns:{op.name}" /></wsdl:message>',
        (
            f'<wsdl:message name="{op.name}SoapOut"><wsdl:part name="parameters" element="tns:{op.name}Response" />'
            "</wsdl:message>"
        ),
    ]
    if op.over_http:
        root = get_result_element(op)
        body = f'<wsdl:part name="Body" element="tns:{root}" />' if root else ""
        for verb in ("HttpGet", "HttpPost"):
            parts = "".join(_http_part(f) for f in op.params)
            out.append(f'<wsdl:message name="{op.name}{verb}In">{parts}</wsdl:message>')
            out.append(f'<wsdl:message name="{op.name}{verb}Out">{body}</wsdl:message>')
    return "".join(out)


def _port_type(kind: str) -> str:
    """The operations of one port type (Soap, HttpGet or HttpPost)."""
    ops = [op for op in OPERATIONS.values() if kind == "Soap" or op.over_http]
    body = "".join(
        f'<wsdl:operation name="{op.name}"><wsdl:input message="tns:{op.name}{kind}In" />'
        f'<wsdl:output message="tns:{op.name}{kind}Out" /></wsdl:operation>'
        for op in ops
    )
    return f'<wsdl:portType name="{SERVICE}{kind}">{body}</wsdl:portType>'


def _binding(kind: str) -> str:
    """One of the four bindings."""
    if kind in ("Soap", "Soap12"):
        prefix = "soap" if kind == "Soap" else "soap12"
        ops = "".join(
            f'<wsdl:operation name="{op.name}"><{prefix}:operation soapAction="{NS}/{op.name}" style="document" />'
            f'<wsdl:input><{prefix}:body use="literal" /></wsdl:input>'
            f'<wsdl:output><{prefix}:body use="literal" /></wsdl:output></wsdl:operation>'
            for op in OPERATIONS.values()
        )
        head = f'<{prefix}:binding transport="http://schemas.xmlsoap.org/soap/http" />'
        return f'<wsdl:binding name="{SERVICE}{kind}" type="tns:{SERVICE}Soap">{head}{ops}</wsdl:binding>'
    verb = "GET" if kind == "HttpGet" else "POST"
    encoding = "<http:urlEncoded />" if verb == "GET" else '<mime:content type="application/x-www-form-urlencoded" />'
    ops = "".join(
        f'<wsdl:operation name="{op.name}"><http:operation location="/{op.name}" />'
        f"<wsdl:input>{encoding}</wsdl:input>"
        f"<wsdl:output>{_MIME_XML if op.result else ''}</wsdl:output></wsdl:operation>"
        for op in OPERATIONS.values()
        if op.over_http
    )
    return f'<wsdl:binding name="{SERVICE}{kind}" type="tns:{SERVICE}{kind}"><http:binding verb="{verb}" />{ops}</wsdl:binding>'


@lru_cache(maxsize=1)
def _body() -> str:
    """Everything but the service element (it does not depend on the address)."""
    messages = "".join(_messages(op) for op in OPERATIONS.values())
    port_types = "".join(_port_type(kind) for kind in ("Soap", "HttpGet", "HttpPost"))
    return _HEAD + _types() + messages + port_types + "".join(_binding(kind) for kind in BINDINGS)


def get_wsdl(address: str) -> bytes:
    """The WSDL with all four ports at `address` (this server's /m2m/m2m_api.asmx)."""
    where = escape(address).replace('"', "&quot;")
    ports = []
    for kind in BINDINGS:
        prefix = {"Soap": "soap", "Soap12": "soap12"}.get(kind, "http")
        ports.append(
            f'<wsdl:port name="{SERVICE}{kind}" binding="tns:{SERVICE}{kind}"><{prefix}:address location="{where}" />'
            "</wsdl:port>"
        )
    service = f'<wsdl:service name="{SERVICE}">{"".join(ports)}</wsdl:service>'
    return (_body() + service + "</wsdl:definitions>").encode()
