"""Accounts: sign-up, sign-in and sessions, passwords, API keys and the secrets behind them.
Also who an API key or session belongs to, remembered briefly, and the brake on password guessing."""
