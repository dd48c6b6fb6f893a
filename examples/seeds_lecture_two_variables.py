"""The two-variable example of the automatic differentiation lecture
(../shared/seeds/automatic-differentiation-lecture.txt, sections 3 and 4):

    L(w1, w2) = w2 log w1 + sqrt(w2 log w1)

written with the lecture's intermediate names

    v1 = log w1,  v2 = w2 v1,  v3 = sqrt(v2),  L = v2 + v3.

Forward mode needs one pass per input (the lecture's two tables, seeded with
dw = (1, 0) and then (0, 1)); reverse mode gets both partial derivatives from
one forward and one backward sweep. Both are checked against the closed form

    dL/dw1 = (w2 / w1) (1 + 1 / (2 sqrt(v2))),
    dL/dw2 = log(w1) (1 + 1 / (2 sqrt(v2))),

and the generated code of each is printed: it follows the lecture's tables
line by line (v1_dot, v2_dot, ... forward; v3_bar, v2_bar, ... backward).
The lecture gives no numbers; the point used here is w = (2, 3).

Run it with

    python examples/seeds_lecture_two_variables.py
"""

import math

import sourcead as sad


def L(w1, w2):
    v1 = math.log(w1)
    v2 = w2 * v1
    v3 = math.sqrt(v2)
    return v2 + v3


def closed_form_gradient(w1, w2):
    factor = 1.0 + 1.0 / (2.0 * math.sqrt(w2 * math.log(w1)))
    return (w2 / w1) * factor, math.log(w1) * factor


def main():
    w1, w2 = 2.0, 3.0

    forward = sad.jvp(L, wrt=(0, 1))
    _, dL_dw1 = forward(w1, w2, 1.0, 0.0)        # first pass: seed dw1 = 1, dw2 = 0
    _, dL_dw2 = forward(w1, w2, 0.0, 1.0)        # second pass: seed dw1 = 0, dw2 = 1

    reverse = sad.grad(L, wrt=(0, 1))
    reverse_gradient = reverse(w1, w2)           # one backward sweep, both partials

    exact = closed_form_gradient(w1, w2)
    print(f"L(w1, w2) = w2 log w1 + sqrt(w2 log w1) at w = ({w1}, {w2}): L = {L(w1, w2):.12f}")
    print(f"{'':8s} {'forward (2 passes)':>20s} {'reverse (1 pass)':>20s} {'closed form':>20s}")
    print(f"{'dL/dw1':8s} {dL_dw1:20.15f} {reverse_gradient[0]:20.15f} {exact[0]:20.15f}")
    print(f"{'dL/dw2':8s} {dL_dw2:20.15f} {reverse_gradient[1]:20.15f} {exact[1]:20.15f}")
    print("\nforward mode, generated code:\n")
    print(forward.source)
    print("reverse mode, generated code:\n")
    print(reverse.source)
    return {"forward": (dL_dw1, dL_dw2), "reverse": reverse_gradient, "exact": exact,
            "forward_source": forward.source, "reverse_source": reverse.source}


if __name__ == "__main__":
    main()
