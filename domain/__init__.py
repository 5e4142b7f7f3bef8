"""The stock pool's rules in pure Python: no IO, no framework imports."""
