"""An e-mail's subject and plain text: the text/plain part, or the text/html part turned into text."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser

# Tags whose content is never text a reader sees.
_SKIPPED = frozenset({"script", "style", "head", "title", "template"})
# Tags that end a line of text.
_BLOCKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre"})


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML document, one line per block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Enter a tag."""
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        """Leave a tag."""
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        """Keep text outside skipped tags."""
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The visible text of an HTML body."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return "".join(extractor.parts)


def _body_text(message: EmailMessage) -> str:
    """The plain text of a mail: its text/plain part, else its text/html part as text."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset or a broken transfer encoding
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    return html_to_text(content) if part.get_content_subtype() == "html" else content


def read_mail(raw: bytes) -> tuple[str, str]:
    """(subject, plain text) of a raw mail; headers are decoded, and nothing in them names a recipient."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    subject = str(message.get("Subject", "") or "")
    # A folded or encoded subject may carry line breaks; they are text, never new headers.
    subject = " ".join(subject.split())
    return subject, _body_text(message)
