"""PyTorch programs for lesson 3's "Show code": the warm-up by autograd, and truncated BPTT in chunks.

No Streamlit here: each function returns Python source text that the page shows and the tests run.
Numbers are written with repr, which round-trips float64, so a program computes with the page's
exact weights.
"""

from __future__ import annotations

import numpy as np

from app.torch_snippet import pytorch_snippet

FULL_LOSS = ("losses = nn.functional.cross_entropy(readout(output), targets, reduction='none')  # L_t\n"
             "loss = losses.sum()  # L = sum of the per-step losses\n"
             "loss.backward()\n")


def warmup_program(w_x: float, w_h: float, b: float, xs, target: float) -> str:
    """The warm-up's three steps forwards in PyTorch, then autograd backwards: prints L and dL/dw_h."""
    return f"""import torch

w_x = torch.tensor({float(w_x)!r}, dtype=torch.float64, requires_grad=True)
w_h = torch.tensor({float(w_h)!r}, dtype=torch.float64, requires_grad=True)
b = torch.tensor({float(b)!r}, dtype=torch.float64, requires_grad=True)
xs = {[float(x) for x in xs]!r}
y_star = {float(target)!r}                          # the target y*

h = torch.zeros((), dtype=torch.float64)     # h_0 = 0
states = []
for x in xs:                                 # steps 1, 2, 3
    h = torch.tanh(w_x * x + w_h * h + b)    # h_t = tanh(w_x x_t + w_h h_(t-1) + b)
    states.append(h)
output = torch.stack(states)[:, None]        # (T, 1): h_1 .. h_T
loss = (h - y_star) ** 2 / 2                 # L = (h_T - y*)^2 / 2
loss.backward()                              # autograd runs the same steps backwards
print(loss.item(), w_h.grad.item())          # L and dL/dw_h, as on the page
"""


def chunked_program(cell, readout, x, targets, chunk: int) -> str:
    """lesson 3's network in PyTorch, trained on chunks of `chunk` steps with h.detach() between them:
    prints the truncated gradient of W_hh (grads["weight_hh"])."""
    program = pytorch_snippet(cell, np.asarray(x), readout=readout, targets=targets, show="grads['weight_hh']")
    if FULL_LOSS not in program:
        raise ValueError("app.torch_snippet changed the lines of its loss")
    H = cell.hidden_size
    chunks = (f"K = {int(chunk)}  # chunk length\n"
              f"h = torch.zeros(1, {H}, dtype=torch.float64)  # h_0\n"
              "for start in range(0, len(x), K):  # one chunk at a time, as a framework trains\n"
              "    out, h = cell(x[start:start + K], h)  # forwards from the state the last chunk ended in\n"
              "    loss = nn.functional.cross_entropy(readout(out), targets[start:start + K], reduction='sum')\n"
              "    loss.backward()  # this chunk's losses, back to the chunk's first step; .grad adds up\n"
              "    h = h.detach()  # the state goes on to the next chunk, its gradient stops here\n")
    return program.replace(FULL_LOSS, chunks)
