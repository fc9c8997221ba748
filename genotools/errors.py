"""Exceptions the library raises for problems a user can fix."""


class InputError(Exception):
    """Malformed, inconsistent or missing input. The message is one line that names the file and what to do."""
