"""The baseline of bench/web_latency.py: a minimal FastAPI + Jinja2 app rendering a ranking table
comparable to chiso's (120 units, rank, name, group, points, index), nothing else."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import DictLoader, Environment, select_autoescape

TEMPLATE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{{ title }}</title>
</head><body><h1>{{ title }}</h1><table><thead><tr><th>Hạng</th><th>Đơn vị</th><th>Nhóm</th>
<th>Điểm</th><th>Chỉ số</th></tr></thead><tbody>
{% for r in rows %}<tr><td>{{ r.rank }}</td><td>{{ r.name }}</td><td>{{ r.group }}</td>
<td>{{ "%.2f"|format(r.points) }}</td><td>{{ "%.4f"|format(r.index) }}</td></tr>
{% endfor %}</tbody></table></body></html>"""

ENV = Environment(loader=DictLoader({"table.html": TEMPLATE}), autoescape=select_autoescape())
ROWS = [
    {
        "rank": i + 1,
        "name": f"Phường Sơn Hà {i}",
        "group": "Sở" if i % 2 else "Xã",
        "points": 100 - i * 0.37,
        "index": 1 - i / 200,
    }
    for i in range(120)
]

app = FastAPI()


@app.get("/table", response_class=HTMLResponse)
def table() -> str:
    return ENV.get_template("table.html").render(title="Xếp hạng", rows=ROWS)
