"""The warm-up network shared by lessons 2 and 3: one unit, three steps, the same numbers in both lessons.

    h_t = tanh(w_x x_t + w_h h_{t-1} + b),   h_0 = 0

Lesson 2 runs it forwards (h_1, h_2, h_3 by hand); lesson 3 runs the same three steps backwards.
"""

WARMUP_W_X = 0.5
WARMUP_W_H = 0.8
WARMUP_B = 0.1
WARMUP_XS = (1.0, 0.5, -1.0)
