"""The UI kit shared by every lesson page: course outline, controls, lesson text, theme, figures.

Dependencies point one way: pages -> app -> rnn_core. Nothing here computes the
network itself; it arranges what rnn_core computed.
"""
