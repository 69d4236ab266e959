"""The pure core: catalogue, criteria, rules and dialogue engines, answer parsing, French texts.

Data in, data out: nothing here reads files other than the YAML given to it, nor talks to a
network or a database, so every channel and tool can build on it.
"""
