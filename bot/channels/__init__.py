"""Channels: thin adapters around the engines (terminal, Telegram, Rasa domain)."""
