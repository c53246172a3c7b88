"""The floor: the least a Streamlit page with one slider and one Plotly chart costs per interaction.

    streamlit run benchmarks/floor_app.py

benchmarks.latency measures this page next to every lesson in the same run; a lesson's
median latency is judged against it (budget: within 1.5x).
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

n = st.slider("Points", min_value=10, max_value=200, value=50)
x = np.linspace(0, 1, n)
st.plotly_chart(go.Figure(go.Scatter(x=x, y=np.sin(2 * np.pi * 3 * x), mode="lines")))
