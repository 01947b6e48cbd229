"""The one exception type the CLI turns into a clean one-line error."""


class RoleqaError(Exception):
    """A problem the user can fix; the message says how."""
