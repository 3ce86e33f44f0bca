"""Login, sessions that the server can revoke, CSRF for cookie-authenticated writes."""
