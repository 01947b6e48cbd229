"""The exceptions the CLI turns into a clean one-line message."""


class RoleqaError(Exception):
    """A problem the user can fix; the message says how."""


class Interrupted(RoleqaError):
    """Ctrl-C stopped a build; the message says what state the index is in (exit code 130)."""
