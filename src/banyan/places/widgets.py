"""Form widgets of places."""

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse


class BoundaryWidget(forms.Textarea):
    """A grid's boundary: drawn by clicking its corners on the parent grid's map (or the community's), uploaded as
    a GeoJSON file, or pasted. The GeoJSON travels in the textarea (folded away; without script it is the paste
    box); map.js draws the parent's outline and the neighbouring grids, and writes each drawn ring, closed, back.

    Rendered from the project's templates: the form renderer reads only the apps' template folders.
    """

    grid_id: int | None = None  # the grid being edited: its stored outline is the one being redrawn

    def __init__(self, attrs=None):
        super().__init__({"rows": 6, "spellcheck": "false", "autocomplete": "off", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        attrs["class"] = f"{attrs.get('class', '')} boundary-text".strip()
        textarea = super().render(name, value, attrs, renderer)
        return render_to_string("places/_boundary_widget.html", {
            "textarea": textarea, "id": attrs.get("id") or f"id_{name}", "grid_id": self.grid_id or "",
            "grid_url": reverse("record-detail", args=["grids", 0]),
            "community_url": reverse("record-detail", args=["communities", 0]),
        })
