"""``POST /upload`` bodies: multipart/form-data with ``file_metadata_NN`` (an Attachable as
JSON) and ``file_content_NN`` parts paired by their suffix. Parsed with the standard library's
MIME parser, which also takes what python-quickbooks sends (LF line ends and base64 content with
``Content-Transfer-Encoding: base64``)."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from .. import errors
from ..jsonutil import loads


def parse_multipart(content_type: str, raw: bytes) -> list[dict]:
    if "multipart/" not in content_type.lower():
        raise errors.unsupported_property(
            "Content-Type must be multipart/form-data for an upload", "Content-Type"
        )
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
    )
    if not message.is_multipart():
        raise errors.unsupported_property("the upload has no parts", "file_content")
    metadata: dict[str, dict] = {}
    contents: dict[str, dict] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition") or ""
        if name.startswith("file_metadata_"):
            try:
                text = part.get_payload(decode=True).decode("utf-8").strip()
                data = loads(text) if text else {}
            except (ValueError, UnicodeDecodeError):
                raise errors.unsupported_property(
                    f"{name} is not valid JSON", "file_metadata"
                ) from None
            if isinstance(data, dict) and isinstance(data.get("Attachable"), dict):
                data = data["Attachable"]
            if not isinstance(data, dict):
                raise errors.unsupported_property(f"{name} must be a JSON object", name)
            metadata[name.removeprefix("file_metadata_")] = data
        elif name.startswith("file_content_"):
            contents[name.removeprefix("file_content_")] = {
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "content": part.get_payload(decode=True) or b"",
            }
    if not contents:
        raise errors.required_param("file_content")
    files = []
    for suffix in sorted(contents):
        item = contents[suffix]
        meta = metadata.get(suffix)
        if meta is not None and meta.get("ContentType"):
            item["content_type"] = meta["ContentType"]
        files.append({**item, "metadata": meta})
    return files
