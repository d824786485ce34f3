"""Access matrix entries for the privacy notice, "my data" and the data requests."""

from tests.support.access import LOGGED_IN, Case, everyone

MATRIX = {
    "privacy.notice": [Case("GET", "/privacy", everyone(200))],
}
MATRIX.update({
    "privacy.my_data": [Case("GET", "/account/data", LOGGED_IN)],
    "privacy.my_data_json": [Case("GET", "/account/data.json", LOGGED_IN)],
    "privacy.my_data_xlsx": [Case("GET", "/account/data.xlsx", LOGGED_IN)],
})
