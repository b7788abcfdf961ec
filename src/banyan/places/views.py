"""The pages of places that differ from the generic ones: a place's page carries its map, and a grid's form
draws its boundary."""

from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from banyan.accounts.roles import Action
from banyan.core.scoping import can, get_visible_or_404
from banyan.core.views import RecordDetail, RecordFormView
from banyan.places.models import Grid
from banyan.places.selectors import map_figures, place_map, place_page_map
from banyan.places.widgets import BoundaryWidget


class PlaceDetail(RecordDetail):
    """A district's, town's, community's or grid's page, with its map. The map's data is fetched by the page
    (`?format=map`: what the page shows, a grid inside its parent's map; with `&inside=1`, the place's own map:
    its outline and the places one level below, what the boundary widget draws on), so the page itself stays
    light and carries no coordinates."""

    def get(self, request, entry, pk):
        if request.GET.get("format") == "map":
            obj = get_visible_or_404(self.model, request.user, pk)
            data = place_map(request.user, obj) if request.GET.get("inside") else place_page_map(request.user, obj)
            return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
        return super().get(request, entry, pk)

    def panels(self, obj) -> list[dict]:
        user = self.request.user
        may_draw = isinstance(obj, Grid) and can(user, Action.CHANGE, Grid) and \
            Grid.objects.visible_to(user, Action.CHANGE).filter(pk=obj.pk).exists()
        return [{"template": "places/_map.html", "title": _("地图"),
                 "url": reverse("record-detail", args=[self.entry.slug, obj.pk]) + "?format=map",
                 "figures": [{"key": f.key, "label": f.label} for f in map_figures(user)],
                 "draw_url": reverse("record-update", args=["grids", obj.pk]) if may_draw else None}]


class GridFormView(RecordFormView):
    """A grid's form: the boundary is drawn on its parent's map (the widget fetches it), or uploaded."""

    def form(self, instance, data=None):
        form = super().form(instance, data)
        field = form.fields.get("boundary")
        if field is not None and isinstance(field.widget, BoundaryWidget):
            field.widget.grid_id = instance.pk  # its own old outline is not drawn as a neighbour
        return form
