"""AWS JSON-protocol error responses (status, ``x-amzn-ErrorType`` or ``__type``, message)."""

# Real services sometimes append this to the x-amzn-ErrorType header value; clients
# must keep only the part before the first ':'.
TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazon.bedrock/"
# Some services prefix the body's __type with a namespace; clients keep the part after '#'.
TYPE_NAMESPACE = "com.amazon.bedrock#"

# Where the error type goes: header, header with suffix, body __type, namespaced body __type.
STYLES = ("header", "header_suffix", "body", "body_namespaced")


class ApiError(Exception):
    """An error to be answered as ``status`` with a JSON ``{"message": ...}`` body.

    ``error_type`` None sends no error type at all (a bare HTTP status).
    """

    def __init__(self, status: int, error_type: str | None, message: str, style: str = "header"):
        super().__init__(message)
        if style not in STYLES:
            raise ValueError(f"unknown error style {style!r}")
        self.status = status
        self.error_type = error_type
        self.message = message
        self.style = style

    def render(self) -> tuple[dict, dict]:
        """Return ``(headers, body)`` for the response."""
        headers, body = {}, {"message": self.message}
        if self.error_type is None:
            return headers, body
        if self.style == "header":
            headers["x-amzn-ErrorType"] = self.error_type
        elif self.style == "header_suffix":
            headers["x-amzn-ErrorType"] = self.error_type + TYPE_SUFFIX
        elif self.style == "body":
            body["__type"] = self.error_type
        else:
            body["__type"] = TYPE_NAMESPACE + self.error_type
        return headers, body


def validation_error(message: str) -> ApiError:
    return ApiError(400, "ValidationException", message)
