"""readable_fonts: every chart text of a spec at least a minimum size, the builder's proportions kept."""

import plotly.graph_objects as go

from app.figures.common import animation_controls, plotly_spec, readable_fonts
from tests.figures.specs import decoded


def every_font_size(spec, path=""):
    """(path, size) of every font size in a spec: any "size" inside a font-like entry."""
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            here = f"{path}.{key}"
            if key == "size" and "font" in path.rsplit(".", 1)[-1]:
                found += [(here, v) for v in (value if isinstance(value, list) else [value])]
            else:
                found += every_font_size(value, here)
    elif isinstance(spec, list):
        for k, value in enumerate(spec):
            found += every_font_size(value, f"{path}[{k}]")
    return found


def busy_figure():
    layout = dict(title=dict(text="title", font=dict(size=14)), xaxis2=dict(title="x2"), legend=dict(title=dict(text="L")),
                  annotations=[dict(text="small", x=0, y=0, font=dict(size=10)), dict(text="plain", x=1, y=1)],
                  coloraxis=dict(colorscale="Viridis"),
                  **animation_controls(3, active=0, frame_ms=100, prefix="t = ", y=0, slider_x=0.2,
                                       slider_font=dict(size=10)))
    data = [go.Scatter(x=[0, 1], y=[1, 2], mode="text", text=["a", "b"], textfont=dict(size=[11, 13])),
            go.Heatmap(z=[[1, 2], [3, 4]], xaxis="x2"),
            go.Bar(x=[1], y=[2], marker=dict(color=[1], coloraxis="coloraxis"))]
    frames = [go.Frame(name=str(t), data=[go.Scatter(text=["c"], textfont=dict(size=9))],
                       layout=dict(annotations=[dict(text="f", x=0, y=0, font=dict(size=10))])) for t in range(3)]
    return go.Figure(data=data, layout=layout, frames=frames)


def test_every_text_reaches_the_minimum_and_sizes_keep_their_order():
    spec = readable_fonts(plotly_spec(busy_figure()), minimum=16, scale=4 / 3)
    sizes = every_font_size(spec)
    assert len(sizes) >= 20 and min(size for _, size in sizes) >= 16
    layout = spec["layout"]
    assert layout["font"]["size"] == 16                                   # Plotly's 12 px, times 4/3
    assert layout["title"]["font"]["size"] == round(14 * 4 / 3, 1)       # larger than the rest, still
    assert all(layout[axis]["tickfont"]["size"] == 16 for axis in ("xaxis", "yaxis", "xaxis2"))
    assert layout["xaxis2"]["title"]["font"]["size"] == 16
    assert layout["xaxis2"]["title"]["text"] == "x2"                     # a title given as text keeps it
    assert spec["data"][0]["textfont"]["size"] == [16, round(13 * 4 / 3, 1)]
    assert spec["data"][1]["colorbar"]["tickfont"]["size"] == 16         # a heatmap's colour bar
    assert layout["coloraxis"]["colorbar"]["tickfont"]["size"] == 16
    assert layout["sliders"][0]["font"]["size"] == 16 and layout["updatemenus"][0]["font"]["size"] == 16
    assert all(frame["layout"]["annotations"][0]["font"]["size"] == 16 for frame in spec["frames"])
    go.Figure(decoded(spec))                                              # still a valid figure


def test_normal_mode_only_raises_what_is_below_the_floor():
    spec = readable_fonts(plotly_spec(busy_figure()), minimum=12)
    assert spec["layout"]["title"]["font"]["size"] == 14
    assert spec["layout"]["annotations"][0]["font"]["size"] == 12
    assert spec["data"][0]["textfont"]["size"] == [12, 13]
    assert min(size for _, size in every_font_size(spec)) == 12
