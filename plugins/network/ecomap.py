"""Layout of a family's ecomap: the family (or a child) in the centre, its ties on a ring around it.

Drawn as inline SVG with presentation attributes only (CSP-safe). The strength of a tie shows in the
line: strong = thick, ordinary = thin, weak = dashed, stressful = red and hatched (the usual ecomap legend).
"""

from __future__ import annotations

import math

STYLE = {
    "sterk": {"width": 5, "dash": None, "colour": "#1e8449"},
    "gewoon": {"width": 2, "dash": None, "colour": "#34495e"},
    "zwak": {"width": 2, "dash": "6 6", "colour": "#7f8c8d"},
    "stressvol": {"width": 3, "dash": "2 4", "colour": "#c0392b"},
}
SIZE = 520
RING = 190


def layout(family_label: str, ties, person_names: dict[int, str]) -> dict:
    centre = SIZE / 2
    n = len(ties)
    items = []
    for i, tie in enumerate(ties):
        angle = -math.pi / 2 + (2 * math.pi * i / n if n else 0)
        x = centre + RING * math.cos(angle)
        y = centre + RING * math.sin(angle)
        style = STYLE.get(tie.strength, STYLE["gewoon"])
        label = tie.label if len(tie.label) <= 22 else tie.label[:21] + "…"
        around = person_names.get(tie.person_id) if tie.person_id else None
        items.append({
            "id": tie.id, "x": round(x, 1), "y": round(y, 1), "label": label, "full": tie.label,
            "kind": tie.kind, "strength": tie.strength, "around": around,
            "x1": round(centre + 55 * math.cos(angle), 1), "y1": round(centre + 55 * math.sin(angle), 1),
            "x2": round(centre + (RING - 38) * math.cos(angle), 1), "y2": round(centre + (RING - 38) * math.sin(angle), 1),
            **style,
        })
    return {"size": SIZE, "cx": centre, "cy": centre, "label": family_label, "items": items}
