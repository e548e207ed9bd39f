"""Calls for proposals and their rounds: each call runs one rulebook of the rules core."""
