"""The one error type a task turns into a clear one-line message."""


class UserError(Exception):
    """A problem the user can act on; its message is shown as is, without a traceback."""
