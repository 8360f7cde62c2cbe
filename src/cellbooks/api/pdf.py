"""PDF documents in the API: the bytes the web pages give, with their OpenAPI description."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from .schemas import MessageOut, NotFoundOut, ValidationErrorOut

# The responses of an operation that answers a PDF (its 200 is described in ``openapi``).
RESPONSES = {
    401: MessageOut,
    403: MessageOut,
    404: NotFoundOut,
    422: ValidationErrorOut,
    429: MessageOut,
}


def openapi(description: str) -> dict:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


def response(content: bytes, filename: str) -> HttpResponse:
    answer = HttpResponse(content, content_type="application/pdf")
    answer["Content-Disposition"] = content_disposition_header(False, filename)
    return answer
