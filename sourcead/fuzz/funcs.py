"""Functions in generated programs: module-level helpers (pure, with defaults and keywords,
recursive with a depth bound, taking a function, returning a tuple, writing into their
array argument and returning it or a view of it), nested defs and lambdas that read the
enclosing variables, and their calls. A mixin of `generate.Gen`."""

import re
from contextlib import contextmanager

from .exprs import E, Var, tags_of
from .scalars import unary

PURE_NAMES = ["layer", "transform", "smooth", "mix", "score", "act", "feature", "blend"]
WRITER_NAMES = ["damp", "clamp_first", "update", "apply_bc", "normalize", "bump"]


class Functions:

    def in_f(self):
        return self.fn_depth == 0

    @property
    def in_helper(self):
        return self.fn_depth > 0

    def function_options(self):
        if not self.in_f():
            return []
        return [(1.0, self.helper_stmt), (0.8, self.writer_call), (0.5, self.nested_def),
                (0.4, self.lambda_def)]

    @contextmanager
    def function_body(self, params, ret_shape, nested=False, budget=3):
        """Generate the body of a function into fresh lines: a module-level helper sees
        the module's names only, a nested function also the enclosing ones."""
        saved = (self.scopes, self.lines, self.indent, self.nest, self.loop_depth, self.budget,
                 self.func_base, self.hot, self.ret_shape)
        if nested:
            self.scopes = self.scopes + [{}]
            self.indent += 1
        else:
            self.scopes = [self.scopes[0], {}]
            self.indent = 1
        self.func_base = len(self.scopes) - 1
        self.lines, self.nest, self.loop_depth, self.budget = [], 0, 0, budget
        self.hot, self.ret_shape = set(), ret_shape
        self.fn_depth += 1
        for p in params:
            self.bind(p)
        body = self.lines
        try:
            yield body
        finally:
            self.fn_depth -= 1
            (self.scopes, self.lines, self.indent, self.nest, self.loop_depth, self.budget,
             self.func_base, self.hot, self.ret_shape) = saved

    def add_helper(self, header, body, var):
        """Record a module-level helper: its source and its name in the module scope."""
        text = "\n".join([header] + ["    " * i + t for i, t in body])
        self.helpers.append(text)
        self.scopes[0][var.name] = var
        self.used_names.add(var.name)

    def param_vars(self, shapes, names):
        return [Var(n, "float" if s is None else "array", s, 1.5, group=self.new_group(),
                    info={"param": True}) for n, s in zip(names, shapes)]

    # ----- module-level helpers -------------------------------------------------------
    def make_pure(self, ret_shape, param_shapes=None):
        name = self.fresh(self.choice(PURE_NAMES))
        if param_shapes is None:
            param_shapes = [ret_shape if ret_shape is not None else self.target_shape()]
            if self.chance(0.4):
                param_shapes.append(self.target_shape())
        pnames = self.rng.sample(["u", "v", "w", "a", "b"], len(param_shapes))
        params = self.param_vars(param_shapes, pnames)
        default = None
        if self.chance(0.6):
            default = (self.choice(["alpha", "scale", "beta"]), self.const(0.2, 1.2))
            params.append(Var(default[0], "float", None, 1.2))
        with self.function_body(params, ret_shape) as body:
            self.body(self.rng.randint(0, 2))
            e = self.tame(self.live(ret_shape, 2))
            self.emit(f"return {e.text}", e.tags)
        sig = ", ".join(pnames + ([f"{default[0]}={default[1]}"] if default else []))
        info = {"kind": "pure", "names": pnames, "default": default}
        var = Var(name, "func", ret_shape, 3.0, params=tuple(param_shapes), info=info)
        self.add_helper(f"def {name}({sig}):", body, var)
        return var

    def make_recursive(self, shape):
        name = self.fresh(self.choice(["refine", "iterate", "recurse", "power"]))
        u = Var("u", "float" if shape is None else "array", shape, 1.5, info={"param": True})
        depth = self.choice(["depth", "n"])
        with self.function_body([u], shape) as body:
            self.emit(f"if {depth} <= 0:", {"if"})
            with self.block():
                if self.chance(0.5):
                    self.emit("return u")
                else:
                    e = self.tame(unary(self, E("u", shape, 1.5)))
                    self.emit(f"return {e.text}", e.tags)
            if self.chance(0.4):
                self.body(1)
            self.hot = {"u"}
            step = self.tame(self.live(shape, 1), 1.5)
            self.hot = set()
            if self.chance(0.5):
                self.emit(f"return {name}({step.text}, {depth} - 1)", step.tags)
            else:
                c = self.const(0.3, 0.8)
                self.emit(f"return u + {c} * {name}({step.text}, {depth} - 1)", step.tags)
        var = Var(name, "func", shape, 3.0, params=(shape,), info={"kind": "recursive"})
        self.add_helper(f"def {name}(u, {depth}):", body, var)
        self.tags.add("recursive")
        return var

    def make_apply(self, shape):
        name = self.fresh(self.choice(["apply", "with_fn", "compose"]))
        u = Var("u", "float" if shape is None else "array", shape, 1.5, info={"param": True})
        with self.function_body([u], shape) as body:
            if self.chance(0.5):
                self.emit("y = fn(u)")
                self.bind(Var("y", u.kind, shape, 1.5))
                self.hot = {"y"}
                e = self.tame(self.live(shape, 1))
                self.emit(f"return fn({e.text}) + y", e.tags)
            else:
                e = self.tame(self.live(shape, 1))
                c = self.const(0.3, 1.5)
                self.emit(f"return {c} * fn(u) + ({e.text})", e.tags)
        var = Var(name, "func", shape, 3.0, params=(shape,), info={"kind": "apply"})
        self.add_helper(f"def {name}(fn, u):", body, var)
        return var

    def make_writer(self, shape):
        name = self.fresh(self.choice(WRITER_NAMES))
        a = Var("a", "array", shape, 1.5, group=self.new_group(), info={"param": True})
        c = Var("c", "float", None, 1.5)
        ending = self.choice(["none", "none", "arg", "view"])
        with self.function_body([a, c], None) as body:
            for _ in range(self.rng.randint(1, 2)):
                if self.chance(0.7):
                    self.setitem(a)
                else:
                    op = self.choice(["+=", "-=", "*=", "/="])
                    rhs = self.aug_rhs(op, self.choice([None, shape]), a)
                    self.emit(f"a {op} {rhs.text}", rhs.tags | {"aug_name"})
            result = None
            if ending == "arg":
                self.emit("return a")
                result = shape
            elif ending == "view":
                if len(shape) == 2:
                    text, result = self.choice([("a[0]", shape[1:]), ("a.T", shape[::-1]),
                                                ("a[1:]", (shape[0] - 1, shape[1]))
                                                if shape[0] > 1 else ("a[:]", shape)])
                else:
                    text, result = ("a[1:]", (shape[0] - 1,)) if shape[0] > 1 else ("a[:]", shape)
                self.emit(f"return {text}")
        var = Var(name, "func", result, 3.0, params=(shape,),
                  info={"kind": "writer", "ending": ending})
        self.add_helper(f"def {name}(a, c):", body, var)
        return var

    def make_tuple(self, shape):
        name = self.fresh(self.choice(["stats", "moments", "split"]))
        u = Var("u", "float" if shape is None else "array", shape, 1.5, info={"param": True})
        shapes = (self.choice([None, shape]), None)
        with self.function_body([u], None) as body:
            self.hot = {"u"}
            e1, e2 = (self.tame(self.live(s, 1)) for s in shapes)
            self.emit(f"return {e1.text}, {e2.text}", tags_of(e1, e2))
        var = Var(name, "func", shapes, 3.0, params=(shape,), info={"kind": "tuple"})
        self.add_helper(f"def {name}(u):", body, var)
        return var

    # ----- calls ------------------------------------------------------------------------
    def call_text(self, f, depth):
        """A call of the function `f` with generated arguments: (text, tags)."""
        kind = f.info["kind"]
        if kind == "apply":
            fn_text, fn_tags = self.function_argument(f.params[0])
            e = self.live(f.params[0], max(depth - 1, 0))
            return f"{f.name}({fn_text}, {e.text})", e.tags | fn_tags | {"helper", "helper_fn_arg"}
        args = [self.live(s, max(depth - 1, 0)) for s in f.params]
        tags = set(tags_of(*args))
        if kind == "recursive":
            text = f"{f.name}({args[0].text}, {self.rng.randint(1, 3)})"
            return text, tags | {"helper", "recursive"}
        if kind in ("closure", "lambda"):
            return f"{f.name}({', '.join(a.text for a in args)})", tags | {kind}
        names, default = f.info["names"], f.info["default"]
        r = self.rng.random()
        tags.add("helper")
        if r < 0.25:
            parts = [f"{n}={a.text}" for n, a in zip(names, args)]
            tags.add("helper_keyword")
        else:
            parts = [a.text for a in args]
        if default is not None:
            if self.chance(0.5):
                tags.add("helper_default")
            elif self.chance(0.6) or "helper_keyword" in tags:
                parts.append(f"{default[0]}={self.const(0.2, 1.2)}")
                tags.add("helper_keyword")
            else:
                parts.append(repr(self.const(0.2, 1.2)))
        return f"{f.name}({', '.join(parts)})", tags

    def function_argument(self, shape):
        """A function to pass to an apply-style helper: a NumPy ufunc, a lambda (reading a
        local), or a function of ours of one argument of `shape`."""
        ours = [v for v in self.vars("func") if v.params == (shape,) and v.shape == shape and
                v.info["kind"] in ("pure", "closure", "lambda")]
        r = self.rng.random()
        if ours and r < 0.4:
            v = self.choice(ours)
            return v.name, {v.info["kind"] if v.info["kind"] != "pure" else "helper"}
        if r < 0.7:
            t = self.fresh("t")
            self.scopes.append({})
            self.bind(Var(t, "float" if shape is None else "array", shape, 1.5, fixed=True))
            self.hot = {t}
            e = self.tame(self.live(shape, 1))
            self.hot = set()
            self.scopes.pop()
            self.used_names.discard(t)
            return f"lambda {t}: {e.text}", e.tags | {"lambda", "closure"}
        return self.choice(["np.sin", "np.tanh", "np.cos"]), {"ufunc"}

    def call_func(self, shape, depth):
        callable_kinds = ("pure", "closure", "lambda", "recursive", "apply")
        funcs = [v for v in self.vars("func") if v.shape == shape and
                 v.info["kind"] in callable_kinds]
        if not funcs or (self.in_f() and self.chance(0.2)):
            if not self.in_f() or len(self.helpers) >= 3 or depth <= 0:
                return None
            r = self.rng.random()
            f = (self.make_pure(shape) if r < 0.6 else self.make_recursive(shape) if r < 0.8
                 else self.make_apply(shape))
        else:
            f = self.choice(funcs)
        text, tags = self.call_text(f, depth)
        return self.tame(E(text, shape, f.mag, frozenset(tags)))

    # ----- statements -------------------------------------------------------------------
    def helper_stmt(self):
        """`p, q = stats(x)`, or an assignment of a call."""
        if self.chance(0.3):
            shape = self.target_shape()
            f = next((v for v in self.vars("func") if v.info["kind"] == "tuple" and
                      v.params == (shape,)), None) or (
                self.make_tuple(shape) if len(self.helpers) < 3 else None)
            if f is None:
                return None
            e = self.live(shape, 1)
            n1, n2 = self.fresh("m1"), self.fresh("m2")
            self.emit(f"{n1}, {n2} = {f.name}({e.text})",
                      e.tags | {"helper", "helper_tuple_result", "tuple_unpack"})
            for n, s in zip((n1, n2), f.shape):
                self.bind(Var(n, "float" if s is None else "array", s, 3.0,
                              group=self.new_group()))
            return True
        shape = self.target_shape()
        e = self.call_func(shape, 2)
        if e is None:
            return None
        name = self.fresh(self.choice(["y", "out", "res", "g"]))
        self.emit(f"{name} = {e.text}", e.tags)
        self.bind(Var(name, "float" if shape is None else "array", shape, e.mag,
                      group=self.new_group()))
        return True

    def writer_target(self):
        """An array to pass to a function that writes into it: a name, or a view of one
        (a row, a column, a slice, a transpose): (text, shape, var it writes, tags)."""
        arrays = self.vars("array")
        if not arrays:
            return None
        a = self.choice(arrays)
        r = self.rng.random()
        if r < 0.45:
            on_view = {"helper_on_view"} if a.view else set()
            return a.name, a.shape, a, self.sharing_tags(a) | on_view
        if len(a.shape) == 2:
            p, q = a.shape
            text, shape = self.choice([(f"{a.name}[{self.index(p)}]", (q,)),
                                       (f"{a.name}[:, {self.index(q)}]", (p,)),
                                       (f"{a.name}.T", (q, p)),
                                       (f"{a.name}[1:]", (p - 1, q)) if p > 1 else
                                       (f"{a.name}[:]", (p, q))])
        else:
            k = a.shape[0]
            if k < 2:
                return a.name, a.shape, a, self.sharing_tags(a)
            text, shape = self.choice([(f"{a.name}[1:]", (k - 1,)), (f"{a.name}[:-1]", (k - 1,)),
                                       (f"{a.name}[::-1]", (k,))])
        return text, shape, a, self.sharing_tags(a) | {"helper_on_view", "view_write"}

    def writer_call(self):
        target = self.writer_target()
        if target is None:
            return None
        text, shape, base, tags = target
        writers = [v for v in self.vars("func")
                   if v.info["kind"] == "writer" and v.params == (shape,)]
        if writers and self.chance(0.7):
            f = self.choice(writers)
        elif len(self.helpers) < 3:
            f = self.make_writer(shape)
        else:
            return None
        c = self.tame(self.scalar(1), 1.5)
        tags = tags | c.tags | {"helper", "helper_writes_arg"}
        call = f"{f.name}({text}, {c.text})"
        base.mag += 2.0
        ending = f.info["ending"]
        if ending == "none" or self.chance(0.3):
            self.emit(call, tags)
            return True
        name = self.fresh(self.choice(["res", "ret", "w2"]))
        self.emit(f"{name} = {call}", tags | {"helper_returns_arg" if ending == "arg"
                                              else "helper_returns_view"})
        self.bind(Var(name, "array", f.shape, base.mag, group=base.group, view=True,
                      info={"alias": True}))
        base.info["alias"] = True
        return True

    def nested_def(self):
        shape = self.target_shape()
        ret = self.choice([None, shape])
        name = self.fresh(self.choice(["inner", "g", "step", "local_fn"]))
        u = Var(self.fresh("u"), "float" if shape is None else "array", shape, 1.5,
                info={"param": True})
        enclosing = set(self.visible())
        default = self.chance(0.25)
        with self.function_body([u], ret, nested=True, budget=2) as body:
            if self.chance(0.25):
                outer_arrays = [v for v in self.vars("array") if v.name in enclosing]
                if outer_arrays:
                    self.setitem(self.choice(outer_arrays))
                    self.tags.add("closure_write")
            elif self.chance(0.4):
                self.body(1)
            self.hot = {u.name}
            e = self.tame(self.live(ret, 2))
            self.emit(f"return {e.text}", e.tags)
        reads = any(n in enclosing for i, t in body for n in _names(t))
        sig = u.name + (f", {self.fresh('k')}={self.const(0.2, 1.0)}" if default else "")
        self.emit(f"def {name}({sig}):", {"nested_def"} | ({"closure"} if reads else set()))
        self.lines.extend(body)
        self.budget -= len(body)
        var = self.bind(Var(name, "func", ret, 3.0, params=(shape,), info={"kind": "closure"}))
        self.use_function(var)
        return True

    def lambda_def(self):
        shape = self.target_shape()
        name = self.fresh(self.choice(["sq", "act", "fn", "h_of"]))
        t = self.fresh("t")
        self.scopes.append({})
        self.bind(Var(t, "float" if shape is None else "array", shape, 1.5, fixed=True))
        self.hot = {t}
        e = self.tame(self.live(shape, 1))
        self.hot = set()
        self.scopes.pop()
        self.used_names.discard(t)
        outer = set(self.visible()) - {t}
        reads = any(n in outer for n in _names(e.text))
        self.emit(f"{name} = lambda {t}: {e.text}",
                  e.tags | {"lambda"} | ({"closure"} if reads else set()))
        var = self.bind(Var(name, "func", shape, 3.0, params=(shape,), info={"kind": "lambda"}))
        self.use_function(var)
        return True

    def use_function(self, f):
        if self.budget <= 0:
            return
        text, tags = self.call_text(f, 1)
        name = self.fresh(self.choice(["y", "val", "res"]))
        self.emit(f"{name} = {text}", tags)
        self.bind(Var(name, "float" if f.shape is None else "array", f.shape, f.mag,
                      group=self.new_group()))


def _names(text):
    return set(re.findall(r"[A-Za-z_]\w*", text))
