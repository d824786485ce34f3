"""Access matrix entries for the privacy notice, "my data" and the data requests."""

from tests.support.access import Case, everyone

MATRIX = {
    "privacy.notice": [Case("GET", "/privacy", everyone(200))],
}
