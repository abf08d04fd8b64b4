"""Push of alerts to video platforms: signed webhooks and GB/T 28181 alarm notifications.

``enqueue_alert`` queues deliveries in the alert's own transaction;
``PushDispatcher`` sends them from the durable outbox with retries.
See docs/video-platform-push.md.
"""

from hub.push.config import (
    Gb28181Target,
    GbAlarmKind,
    PushConfig,
    WebhookTarget,
    load_push_config,
)
from hub.push.dispatcher import PushDispatcher
from hub.push.errors import DeliveryFailed, PushError, UnknownTarget
from hub.push.outbox import alert_snapshot, enqueue_alert

__all__ = [
    "DeliveryFailed",
    "Gb28181Target",
    "GbAlarmKind",
    "PushConfig",
    "PushDispatcher",
    "PushError",
    "UnknownTarget",
    "WebhookTarget",
    "alert_snapshot",
    "enqueue_alert",
    "load_push_config",
]
