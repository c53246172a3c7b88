"""The one-unit RNN of the warm-ups, shared by lesson 2 (three steps forward, by hand) and lesson 3
(the same three steps backwards): one example, so the matrix lessons build on numbers the student
computed.

    h_t = tanh(w_x x_t + w_h h_{t-1} + b),   h_0 = 0,   t = 1, 2, 3

With these values: a_1 = 0.6, h_1 = 0.537; a_2 = 0.780, h_2 = 0.652; a_3 = 0.122, h_3 = 0.121
(``rnn_core.scalar.forward`` computes them).
"""

WARMUP_W_X = 0.5                # input weight w_x
WARMUP_W_H = 0.8                # recurrent weight w_h
WARMUP_B = 0.1                  # bias b
WARMUP_XS = (1.0, 0.5, -1.0)    # inputs x_1, x_2, x_3
