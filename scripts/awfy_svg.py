"""Draws target/bench/awfy.json (scripts/awfy.py) as an SVG bar chart:
per benchmark, CPython's time over Livetalk's with the tier off and on,
on a log scale (right of the 1x line: Livetalk faster). No dependencies:
`python3 scripts/awfy_svg.py target/bench/awfy.json docs/awfy.svg`."""
import json
import math
import sys
from xml.sax.saxutils import escape

LEFT, RIGHT, TOP, ROW, BAR = 150, 40, 70, 26, 10
WIDTH = 760
COLORS = {"off": "#9aa5b1", "on": "#2b6cb0"}


def main():
    src, dst = sys.argv[1], sys.argv[2]
    doc = json.load(open(src, encoding="utf-8"))
    rows = []  # (label, off ratio, on ratio, bold)
    for group, title in (("awfy", "AWFY"), ("team", "team")):
        rs = [r for r in doc["results"] if r["group"] == group]
        if not rs:
            continue
        for r in rs:
            rows.append((r["name"], r["ratios"]["cpython_over_off"],
                         r["ratios"]["cpython_over_on"], False))
        g = doc["geomean"][group]
        rows.append((f"geomean {title}", g["cpython_over_off"], g["cpython_over_on"], True))
        rows.append(None)  # a gap between the groups
    rows = rows[:-1]
    values = [v for row in rows if row for v in row[1:3] if v]
    lo = 2.0 ** math.floor(math.log2(min(values + [0.5]) / 1.6))  # room for labels
    hi = 2.0 ** math.ceil(math.log2(max(values + [2.0])))
    plot_w = WIDTH - LEFT - RIGHT

    def x(v):
        return LEFT + plot_w * (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo))

    height = TOP + ROW * len(rows) + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{LEFT}" y="20" font-size="14" font-weight="bold">'
        "Livetalk against CPython: CPython's time / Livetalk's (log scale)</text>",
        f'<text x="{LEFT}" y="38" fill="#555">{escape(doc["date"])}, medians of '
        f"{doc['runs']}; Are-We-Fast-Yet above, the team's programs below</text>",
        f'<rect x="{LEFT}" y="48" width="10" height="10" fill="{COLORS["off"]}"/>'
        f'<text x="{LEFT + 14}" y="57">tier off</text>'
        f'<rect x="{LEFT + 80}" y="48" width="10" height="10" fill="{COLORS["on"]}"/>'
        f'<text x="{LEFT + 94}" y="57">tier on</text>'
        f'<text x="{LEFT + 160}" y="57" fill="#555">right of the 1x line: Livetalk faster</text>',
    ]
    bottom = TOP + ROW * len(rows)
    tick = lo
    while tick <= hi * 1.0001:
        tx = x(tick)
        label = f"{tick:g}x" if tick >= 1 else f"1/{1 / tick:g}x"
        out.append(f'<line x1="{tx:.1f}" y1="{TOP - 6}" x2="{tx:.1f}" y2="{bottom}" '
                   f'stroke="{"#333" if tick == 1 else "#ddd"}"/>')
        out.append(f'<text x="{tx:.1f}" y="{bottom + 16}" text-anchor="middle" '
                   f'fill="#555">{label}</text>')
        tick *= 2
    one = x(1.0)
    for i, row in enumerate(rows):
        if row is None:
            continue
        label, off, on, bold = row
        y = TOP + ROW * i
        weight = ' font-weight="bold"' if bold else ""
        out.append(f'<text x="{LEFT - 8}" y="{y + BAR + 4}" text-anchor="end"{weight}>'
                   f"{escape(label)}</text>")
        for j, (tier, v) in enumerate((("off", off), ("on", on))):
            by = y + j * (BAR + 1)
            if not v:
                out.append(f'<text x="{one + 4:.1f}" y="{by + BAR - 1}" fill="#c00" '
                           f'font-size="10">{tier}: failed or missing</text>')
                continue
            x0, x1 = sorted((one, x(v)))
            out.append(f'<rect x="{x0:.1f}" y="{by}" width="{max(x1 - x0, 1):.1f}" '
                       f'height="{BAR}" fill="{COLORS[tier]}"><title>{escape(label)} '
                       f"tier {tier}: {v:.2f}x</title></rect>")
            tx, anchor = (x1 + 3, "start") if v >= 1 else (x0 - 3, "end")
            out.append(f'<text x="{tx:.1f}" y="{by + BAR - 1}" font-size="9" '
                       f'text-anchor="{anchor}" fill="#333">{v:.2f}</text>')
    out.append("</svg>")
    with open(dst, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
