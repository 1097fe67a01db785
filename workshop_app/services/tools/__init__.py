"""Tools a model may call: definitions, their safe implementations, and the call loop.

No tool runs code supplied by a user: a tool is a built-in (calculator, clock, unit
conversion), an HTTP call to an allow-listed host, or a canned (mock) response.
"""
