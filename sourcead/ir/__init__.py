from .core import Block, Const, Function, If, Loop, Op, Var, Zero, walk_stmts  # noqa: F401
