"""Accounts, roles, login and the permission decorators."""
