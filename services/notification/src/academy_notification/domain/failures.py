"""What a staff request to the notification service can fail with; the HTTP layer turns each
into a problem (``entrypoints/api/errors.py``), so a new failure needs only its class and its
problem."""

from __future__ import annotations


class Failure(Exception):
    """Base of every failure the notification service reports to its caller."""


class MessageNotFound(Failure):
    def __init__(self, message_id: str) -> None:
        super().__init__(message_id)
        self.message_id = message_id


class DeliveryNotFound(Failure):
    def __init__(self, delivery_id: str) -> None:
        super().__init__(delivery_id)
        self.delivery_id = delivery_id


class SubscriptionNotFound(Failure):
    def __init__(self, subscription_id: str) -> None:
        super().__init__(subscription_id)
        self.subscription_id = subscription_id


class EmptyPeriod(Failure):
    """A digest period must start before it ends."""


class TargetRefused(Failure):
    """A webhook URL the target policy refuses (:mod:`academy_notification.domain.targets`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
