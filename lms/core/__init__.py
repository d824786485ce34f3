"""Shared building blocks: database helpers, security, errors, forms, i18n.

``core`` imports no domain package.
"""
