"""Keeping the developer's secrets out of a local run's processes (an allow-list of variables) and out of what they
write (the run's log, the warm driver's)."""
