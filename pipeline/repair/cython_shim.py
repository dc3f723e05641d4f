"""What ``cython`` means to the repair's hot modules where Cython is not installed.

Why: those modules carry a few type declarations (``@cython.locals``) that their compiled
copies (``compiled.py``) turn into C types; read as plain Python, the declarations must
change nothing. Installed Cython brings its own such module; this one stands in for it.
"""

Py_ssize_t = int
double = float
Py_UCS4 = str
#: plain Python is never the compiled copy (code may take a path of its own when compiled)
compiled = False


class _Array:
    """``cython.ulonglong[:]``, a typed view of an array's memory: nothing to plain Python."""

    def __getitem__(self, _dimensions):
        return self


ulonglong = _Array()


def locals(**_types):  # noqa: A001 - the name Cython gives it
    return lambda function: function
