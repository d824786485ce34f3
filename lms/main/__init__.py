"""The home page, the language switch, the health check and the demo data."""
