"""Coordinators' catalogue tools: check, stored examples, impact diff, show. Pure."""
