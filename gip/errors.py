"""The one exception type gip raises for bad input."""


class GipError(ValueError):
    """Bad input or configuration. The message names the problem and the fix.

    Subclasses ``ValueError`` so callers that already catch ``ValueError`` keep working.
    """
