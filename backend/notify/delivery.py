"""How a send went wrong, for every channel and gateway (push, SMS): a leaf, so gateways need not import channels."""


class DeliveryError(Exception):
    """The message did not go out; reason is kept as the notification's last_error."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason[:500]


class Retry(DeliveryError):
    """Try again later: after_seconds (the service's Retry-After) or the worker's backoff when None."""

    def __init__(self, after_seconds: float | None, reason: str):
        super().__init__(reason)
        self.after_seconds = after_seconds


class Gone(DeliveryError):
    """The recipient address no longer exists (push subscription expired or unsubscribed)."""


class Failed(DeliveryError):
    """A permanent refusal: sending it again would fail the same way."""
