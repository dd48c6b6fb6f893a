"""One error hierarchy; every error that concerns user code names its place."""


class SourceLoc:
    """Where an IR value or op came from in the user's program."""

    __slots__ = ("filename", "lineno", "text")

    def __init__(self, filename, lineno, text=""):
        self.filename = filename
        self.lineno = lineno
        self.text = text

    def __repr__(self):
        return f"{self.filename}:{self.lineno}"


class SourceADError(Exception):
    """Base class of every error sourcead raises about a user's program."""

    def __init__(self, message, loc=None, hint=None):
        self.message = message
        self.loc = loc
        self.hint = hint
        super().__init__(self._format())

    def _format(self):
        parts = []
        if self.loc is not None:
            parts.append(f'File "{self.loc.filename}", line {self.loc.lineno}')
            if self.loc.text:
                parts.append(f"    {self.loc.text.strip()}")
        parts.append(self.message)
        if self.hint:
            parts.append(f"Hint: {self.hint}")
        return "\n".join(parts)


class UnsupportedSyntaxError(SourceADError):
    """The function uses a Python construct sourcead cannot differentiate."""


class SourceUnavailableError(SourceADError):
    """The function's source code cannot be read (a builtin, or typed at a REPL)."""


class NoDerivativeError(SourceADError):
    """A differentiated value flows into a call that has no derivative rule."""


class NameResolutionError(SourceADError):
    """A name in the user's function is neither local, global, nor builtin."""


class WrtError(SourceADError, ValueError):
    """`wrt` names an argument that does not exist."""


class ShapeError(SourceADError, ValueError):
    """A tangent, cotangent or vector passed to a derivative has the wrong shape."""


class StructureError(ShapeError, TypeError):
    """A tangent, cotangent or vector passed to a derivative has the wrong structure: a
    single value for a tuple, a tuple of the wrong length, other dict keys, a missing
    one. (A ValueError, like ShapeError; a TypeError too, like a call with the wrong
    number of arguments.)"""


class IRVerificationError(Exception):
    """The IR broke one of its invariants: a bug in sourcead, not in user code."""
