"""The map of where the data goes, drawn as SVG on the server (no JavaScript, no external program).

The picture is laid out in three columns: the staff who hold grants (by business area) on the
left, the assets in the middle (under their business area), the external organisations and the
published statistics on the right. Each recipient is placed level with the assets it takes data
from (the mean height of its flows), which keeps the lines short and few crossing. Every box and
line is a link to its records; every name is escaped, so nothing typed into a record becomes markup.
The picture is a labelled group (``role="group"``, named by its title and described by its
description) rather than ``role="img"``: an image's content is hidden from assistive technology, so
links inside one are unreachable (axe's nested-interactive rule). The table under it gives the same
flows with the same links.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape

from governance.privacy.flows import AGREEMENTS, ASSETS, CONTRACTS, GRANTS, INSIDE, OUTSIDE, RELEASES, FlowMap, Node

NODE_WIDTH, NODE_HEIGHT, GAP = 240, 46, 14
PORT_GAP = 10  # the least space between two flows meeting one side of a box: a busy box grows taller,
TALLEST = 160  # up to this height (the "other" boxes that many flows meet)
CLUSTER_HEADER, CLUSTER_PAD = 26, 8
COLUMN_X = (16, 376, 736)
WIDTH = COLUMN_X[2] + NODE_WIDTH + 16
TOP = 16
FONT = "Arial, Helvetica, sans-serif"
LABEL_CHARS = 30  # what fits a box at 14px; longer names are cut, and given whole in the box's tooltip

# Colour and dash for each kind of flow, so the kinds differ without colour too.
STYLE = {
    GRANTS: ("#1d70b8", ""),
    CONTRACTS: ("#d4351c", "8 4"),
    AGREEMENTS: ("#00703c", "2 4"),
    RELEASES: ("#4c2c92", "12 4 2 4"),
}
LEGEND = {
    GRANTS: "Access grants to staff",
    CONTRACTS: "Research contracts",
    AGREEMENTS: "Sharing agreements",
    RELEASES: "Statistical releases",
}
FILL = {
    "asset": "#ffffff",
    "asset_group": "#f3f2f1",
    "other_assets": "#f3f2f1",
    "area": "#ffffff",
    "organisation": "#ffffff",
    "public": "#ffffff",
    "other": "#f3f2f1",
}


@dataclass
class _Box:
    node: Node
    x: int
    y: int
    height: int = NODE_HEIGHT

    @property
    def middle(self) -> float:
        return self.y + self.height / 2


def _heights(flow_map: FlowMap) -> dict[str, int]:
    """Each box's height: enough for the flows on its busier side to meet it apart."""
    sides: dict[tuple[str, bool], int] = defaultdict(int)
    for edge in flow_map.edges:
        sides[(edge.source, edge.kind == GRANTS)] += 1  # grants leave an asset on its left, the rest on its right
        sides[(edge.target, True)] += 1
    heights: dict[str, int] = defaultdict(lambda: NODE_HEIGHT)
    for (key, _side), count in sides.items():
        heights[key] = min(TALLEST, max(heights[key], PORT_GAP * (count + 1)))
    return heights


def _cut(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _layout(flow_map: FlowMap) -> tuple[dict[str, _Box], list[tuple[str, int, int, int]], int]:
    """Where each box goes: the boxes, the asset clusters' frames (name, x, y, height) and the height."""
    boxes: dict[str, _Box] = {}
    tall = _heights(flow_map)
    clusters: list[tuple[str, int, int, int]] = []
    y = TOP
    current, started = None, 0
    for node in (n for n in flow_map.nodes if n.column == ASSETS):
        framed = node.kind in ("asset", "other_assets")
        cluster = node.cluster if framed else None
        if cluster != current:
            if current is not None:
                clusters.append((current, COLUMN_X[1] - CLUSTER_PAD, started, y - started - GAP + CLUSTER_PAD))
                y += CLUSTER_PAD
            current, started = cluster, y
            if cluster is not None:
                y += CLUSTER_HEADER
        boxes[node.key] = _Box(node, COLUMN_X[1], y, tall[node.key])
        y += tall[node.key] + GAP
    if current is not None:
        clusters.append((current, COLUMN_X[1] - CLUSTER_PAD, started, y - started - GAP + CLUSTER_PAD))
        y += CLUSTER_PAD
    height = y

    # The recipients on either side, each level with the mean height of its flows, then spread apart.
    heights: dict[str, list[float]] = defaultdict(list)
    for edge in flow_map.edges:
        if edge.source in boxes:
            heights[edge.target].append(boxes[edge.source].middle)
    for column in (INSIDE, OUTSIDE):
        nodes = [n for n in flow_map.nodes if n.column == column]
        wanted = {
            n.key: (sum(heights[n.key]) / len(heights[n.key]) if heights[n.key] else 0) - tall[n.key] / 2 for n in nodes
        }
        placed_y = TOP
        for node in sorted(nodes, key=lambda n: (wanted[n.key], n.label)):
            top = max(placed_y, int(wanted[node.key]))
            boxes[node.key] = _Box(node, COLUMN_X[column], top, tall[node.key])
            placed_y = top + tall[node.key] + GAP
        height = max(height, placed_y)
    return boxes, clusters, height


def render_svg(flow_map: FlowMap, *, element_id: str = "data-map") -> str:
    """The map as an inline SVG document (a string of escaped markup)."""
    boxes, clusters, height = _layout(flow_map)
    legend_top = height + 8
    total_height = legend_top + 30
    title_id, desc_id = f"{element_id}-title", f"{element_id}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(element_id)}" class="app-data-map" '
        f'viewBox="0 0 {WIDTH} {total_height}" width="100%" role="group" '
        f'aria-labelledby="{title_id}" aria-describedby="{desc_id}" font-family="{FONT}" font-size="14">',
        f'<title id="{title_id}">{escape(flow_map.title)}</title>',
        f'<desc id="{desc_id}">{escape(flow_map.description)}</desc>',
        "<defs>",
    ]
    for kind, (colour, _dash) in STYLE.items():
        out.append(
            f'<marker id="{element_id}-arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )
    out.append("</defs>")
    for name, x, y, frame_height in clusters:
        out.append(
            f'<rect x="{x}" y="{y - CLUSTER_PAD}" width="{NODE_WIDTH + 2 * CLUSTER_PAD}" '
            f'height="{frame_height + CLUSTER_PAD}" fill="none" stroke="#b1b4b6" stroke-dasharray="4 3" rx="4"/>'
            f'<text x="{x + CLUSTER_PAD}" y="{y + 12}" font-weight="bold" fill="#0b0c0c">'
            f"{escape(_cut(name, 34))}</text>"
        )
    out.extend(_edges(flow_map, boxes, element_id))
    for box in boxes.values():
        out.append(_node(box))
    x = COLUMN_X[0]
    for kind, text in LEGEND.items():
        colour, dash = STYLE[kind]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{x}" y1="{legend_top + 12}" x2="{x + 36}" y2="{legend_top + 12}" stroke="{colour}" '
            f'stroke-width="3"{dash_attr}/>'
            f'<text x="{x + 44}" y="{legend_top + 17}" fill="#0b0c0c">{escape(text)}</text>'
        )
        x += 236
    out.append("</svg>")
    return "\n".join(out)


def _node(box: _Box) -> str:
    node = box.node
    whole = node.label + (f" ({node.detail})" if node.detail else "")
    top = box.y + (box.height - NODE_HEIGHT) // 2  # the text stays in the middle of a taller box
    border = "#0b0c0c" if node.kind in ("asset", "asset_group") else "#505a5f"
    parts = [
        f"<title>{escape(whole)}</title>",
        f'<rect x="{box.x}" y="{box.y}" width="{NODE_WIDTH}" height="{box.height}" rx="3" '
        f'fill="{FILL.get(node.kind, "#ffffff")}" stroke="{border}" '
        f'stroke-width="{2 if node.column == ASSETS else 1}"/>',
    ]
    if node.detail and node.kind != "asset":
        parts.append(f'<text x="{box.x + 10}" y="{top + 19}" fill="#0b0c0c">{escape(_cut(node.label))}</text>')
        parts.append(
            f'<text x="{box.x + 10}" y="{top + 37}" font-size="12" fill="#505a5f">'
            f"{escape(_cut(node.detail, 36))}</text>"
        )
    else:
        underline = ' text-decoration="underline"' if node.url else ""
        parts.append(
            f'<text x="{box.x + 10}" y="{top + 28}" fill="#1d70b8"{underline}>{escape(_cut(node.label))}</text>'
            if node.url
            else f'<text x="{box.x + 10}" y="{top + 28}" fill="#0b0c0c">{escape(_cut(node.label))}</text>'
        )
    inner = "".join(parts)
    if node.url:
        return f'<a href="{escape(node.url)}" class="app-data-map__node">{inner}</a>'
    return f'<g class="app-data-map__node">{inner}</g>'


def _ports(flow_map: FlowMap, boxes: dict[str, _Box]) -> dict[tuple[int, str], float]:
    """Where each flow meets its two boxes: a box's flows spread down its side, in the order of the
    boxes at their other ends, so that lines into one box neither meet in a point nor cross there."""
    ends: dict[tuple[str, bool], list[tuple[float, int]]] = defaultdict(list)
    for index, edge in enumerate(flow_map.edges):
        source, target = boxes[edge.source], boxes[edge.target]
        ends[(edge.source, target.x > source.x)].append((target.middle, index))
        ends[(edge.target, source.x > target.x)].append((source.middle, index))
    ports: dict[tuple[int, str], float] = {}
    for (key, _side), attached in ends.items():
        box = boxes[key]
        attached.sort()
        step = box.height / (len(attached) + 1)
        for position, (_other, index) in enumerate(attached):
            ports[(index, key)] = box.y + step * (position + 1)
    return ports


def _edges(flow_map: FlowMap, boxes: dict[str, _Box], element_id: str) -> list[str]:
    """The flows as curves between the boxes' facing sides."""
    ports = _ports(flow_map, boxes)
    out = []
    for index, edge in enumerate(flow_map.edges):
        source, target = boxes[edge.source], boxes[edge.target]
        rightwards = target.x > source.x
        x1 = source.x + NODE_WIDTH if rightwards else source.x
        x2 = target.x if rightwards else target.x + NODE_WIDTH
        y1, y2 = ports[(index, edge.source)], ports[(index, edge.target)]
        middle_x = (x1 + x2) / 2
        colour, dash = STYLE[edge.kind]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        arrow = f"url(#{element_id}-arrow-{edge.kind})"
        markers = {
            "in": f' marker-start="{arrow}"',
            "both": f' marker-start="{arrow}" marker-end="{arrow}"',
        }.get(edge.direction, f' marker-end="{arrow}"')
        path = f"M{x1:.0f},{y1:.1f} C{middle_x:.0f},{y1:.1f} {middle_x:.0f},{y2:.1f} {x2:.0f},{y2:.1f}"
        # The count sits near the receiving end, where the lines have spread apart.
        label_x = x2 + (-34 if rightwards else 34)
        label_y = y2 + 4
        if edge.direction == "in":
            label_x, label_y = x1 + (34 if rightwards else -34), y1 + 4
        arrow_text = {"in": "\u2190", "both": "\u2194"}.get(edge.direction, "\u2192")
        described = f"{edge.label}: {source.node.label} {arrow_text} {target.node.label}"
        inner = (
            f"<title>{escape(described)}</title>"
            f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}{markers}/>'
            f'<text x="{label_x:.0f}" y="{label_y:.1f}" text-anchor="middle" font-size="12" fill="{colour}" '
            f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{edge.count:,}</text>'
        )
        if edge.url:
            out.append(f'<a href="{escape(edge.url)}" class="app-data-map__flow">{inner}</a>')
        else:
            out.append(f'<g class="app-data-map__flow">{inner}</g>')
    return out


def table_rows(flow_map: FlowMap) -> list[dict]:
    """The same flows as the picture, as rows for the table under it."""
    return flow_map.rows()
