"""Access matrix entries for notifications, the reminders switch and the admins' outbox."""

from tests.support.access import LOGGED_IN, Case, everyone, only

MATRIX = {
    "messages.notifications": [Case("GET", "/notifications", LOGGED_IN)],
    "messages.mark_read": [Case("POST", "/notifications/read", everyone(302))],
    "messages.reminders": [Case("POST", "/account/reminders", everyone(302), data={"reminders": "off"})],
    "messages.outbox": [
        Case("GET", "/admin/messages", only(("admin",))),
        Case("GET", "/admin/messages?status=failed&kind=reminder&channel=sms", only(("admin",))),
    ],
    "messages.retry": [Case("POST", "/admin/messages/retry", only(("admin",), ok=302))],
}
