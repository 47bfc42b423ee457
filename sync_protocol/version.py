"""Protocol version: carried by every request and reply.

A phone that has not been updated for months must get a clear "update the app"
answer instead of a confusing validation error, so the version travels in a
header on every call and in the body of every push and pull.
"""

PROTOCOL_VERSION = 1
SUPPORTED_PROTOCOLS = frozenset({1})
PROTOCOL_HEADER = "X-Protocol-Version"
