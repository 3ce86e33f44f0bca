"""Accounts: sign-in with throttling, server-side sessions that can be revoked, roles and region scopes."""
