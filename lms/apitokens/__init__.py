"""Per-user API tokens for the JSON API (``Authorization: Bearer …``)."""
