// Maps of places, with no tile server: the page fetches the places' own boundaries, figures and buildings
// (its `?format=map` JSON) and registers them with ECharts as a map. And the boundary widget of a grid's form:
// an SVG of the parent's outline and the neighbouring grids, on which a boundary is drawn by clicking its
// corners, or shown from an uploaded file.
// Loaded with defer, possibly before ECharts: everything starts on DOMContentLoaded.
(function () {
  "use strict";

  if (window.banyanMap) {
    return; // a page that includes the script twice runs it once
  }
  window.banyanMap = true;

  var grouped = new Intl.NumberFormat(document.documentElement.lang || "zh-CN");

  function messages(root, selector) {
    var out = {};
    var template = root.querySelector(selector);
    if (template) {
      template.content.querySelectorAll("[data-msg]").forEach(function (el) {
        out[el.dataset.msg] = el.textContent;
      });
    }
    return out;
  }

  function midLatitude(geojson) {
    var south = 90;
    var north = -90;
    eachPosition(geojson, function (p) {
      south = Math.min(south, p[1]);
      north = Math.max(north, p[1]);
    });
    return south <= north ? (south + north) / 2 : 23;
  }

  function fitHeight(el, geojson, extra) {
    // The box takes the place's own proportions (east-west shrunk by the cosine of the latitude), within reason.
    var west = 180;
    var east = -180;
    var south = 90;
    var north = -90;
    eachPosition(geojson, function (p) {
      west = Math.min(west, p[0]); east = Math.max(east, p[0]);
      south = Math.min(south, p[1]); north = Math.max(north, p[1]);
    });
    if (west >= east || south >= north) {
      return;
    }
    var ratio = (north - south) / ((east - west) * Math.cos(((south + north) / 2) * Math.PI / 180));
    var width = el.clientWidth || 360;
    el.style.height = Math.round(Math.min(520, Math.max(240, width * Math.min(Math.max(ratio, 0.5), 1.5) + extra))) + "px";
  }

  function eachPosition(geojson, fn) {
    (geojson.features || []).forEach(function (f) {
      polygonsOf(f.geometry).forEach(function (polygon) {
        polygon.forEach(function (ring) { ring.forEach(fn); });
      });
    });
  }

  function polygonsOf(geometry) {
    if (!geometry || !Array.isArray(geometry.coordinates)) {
      return [];
    }
    if (geometry.type === "Polygon") {
      return [geometry.coordinates];
    }
    if (geometry.type === "MultiPolygon") {
      return geometry.coordinates;
    }
    return [];
  }

  // -----------------------------------------------------------------------------------------------------------
  // The map panel of a place's page.

  function startMap(section) {
    var el = section.querySelector("[data-map]");
    if (!el || !window.echarts) {
      return;
    }
    fetch(section.dataset.mapUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) {
          throw new Error(r.status);
        }
        return r.json();
      })
      .then(function (data) { drawMap(section, el, data); })
      .catch(function () {
        el.hidden = true;
        note(section, "failed", true);
      });
  }

  function note(section, name, show, content) {
    var p = section.querySelector("[data-map-note=" + name + "]");
    if (p) {
      p.hidden = !show;
      if (content !== undefined) {
        p.textContent = content;
      }
    }
  }

  function fillTable(section, data, names) {
    // The figures of every area, for reading rather than seeing (and for screen readers).
    var details = section.querySelector(".map-table");
    var body = details.querySelector("tbody");
    data.areas.forEach(function (a) {
      var row = document.createElement("tr");
      if (a.key === data.highlight) {
        row.className = "current";
      }
      var head = document.createElement("th");
      head.scope = "row";
      var link = document.createElement("a");
      link.href = a.url;
      link.textContent = names[a.key];
      head.appendChild(link);
      row.appendChild(head);
      data.figures.forEach(function (f) {
        var cell = document.createElement("td");
        cell.className = "num";
        cell.dataset.label = f.label; // a phone shows each row as a card of labelled figures
        cell.textContent = grouped.format(f.values[a.key] || 0);
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
    details.hidden = !data.areas.length;
  }

  function drawMap(section, el, data) {
    var text = messages(section, ".map-messages");
    var info = section.querySelector(".map-info");
    var select = section.querySelector("[data-map-figure]");
    var roamButton = section.querySelector("[data-map-roam]");
    var names = {};
    var urls = {};
    data.areas.forEach(function (a) { names[a.key] = a.name; urls[a.key] = a.url; });
    data.details.forEach(function (d) { names[d.key] = d.name; urls[d.key] = d.url; });
    if (data.frame) {
      names[data.frame.key] = data.frame.name;
      urls[data.frame.key] = data.frame.url;
    }
    var figures = {};
    data.figures.forEach(function (f) { figures[f.key] = f; });
    var buildings = data.buildings || { points: [] };
    fillTable(section, data, names);
    note(section, "more", buildings.more);
    var unmapped = data.areas.filter(function (a) { return !a.mapped; }).map(function (a) { return a.name; });
    if (unmapped.length > 8) {
      note(section, "unmapped", true, text["unmapped-many"].replace("%s", grouped.format(unmapped.length)));
    } else if (unmapped.length) {
      note(section, "unmapped", true, text.unmapped + unmapped.join("、"));
    }
    if (!data.geojson.features.length) {
      el.hidden = true;
      note(section, "empty", true);
      section.querySelector(".map-info").hidden = true;
      return;
    }
    if (roamButton) {
      roamButton.hidden = false;
    }

    window.echarts.registerMap("banyan-place", data.geojson);
    fitHeight(el, data.geojson, data.figures.length ? 44 : 12);
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var roam = false;
    var fewAreas = data.areas.length <= 12;
    var regions = [];
    if (data.frame) {
      regions.push({ name: data.frame.key, silent: true, label: { show: false },
                     itemStyle: { areaColor: "rgba(0,0,0,0)", borderColor: "#0f3b2a", borderWidth: 2, borderType: "dashed" } });
    }
    data.details.forEach(function (d) {
      regions.push({ name: d.key, label: { show: false },
                     itemStyle: { areaColor: "rgba(0,0,0,0)", borderColor: "#ffffff", borderWidth: 1 } });
    });
    if (data.highlight) {
      regions.push({ name: data.highlight, label: { show: true, fontWeight: "bold" },
                     itemStyle: { borderColor: "#c2410c", borderWidth: 3 } });
    }

    function figure() {
      return figures[select ? select.value : ""] || data.figures[0] || null;
    }

    function valueOf(key) {
      var f = figure();
      return f ? (f.values[key] || 0) : null;
    }

    function option() {
      var f = figure();
      var max = 0;
      var min = Infinity;
      var series = [{
        type: "map",
        geoIndex: 0,
        data: data.areas.filter(function (a) { return a.mapped; }).map(function (a) {
          var v = valueOf(a.key);
          max = Math.max(max, v || 0);
          min = Math.min(min, v || 0);
          return { name: a.key, value: v };
        })
      }];
      if (data.dots.length) {
        series.push({
          type: "scatter",
          coordinateSystem: "geo",
          geoIndex: 0,
          z: 6,
          itemStyle: { color: "#c2410c", borderColor: "#ffffff", borderWidth: 1.5 },
          symbolSize: function (value) { return 8 + 16 * Math.sqrt((value[2] || 0) / Math.max(max, 1)); },
          label: {
            show: true, position: "right", fontSize: 12, color: "#0f3b2a", textBorderColor: "#ffffff", textBorderWidth: 2,
            formatter: function (p) {
              return names[p.data.key] + (f ? " " + grouped.format(p.value[2] || 0) : "");
            }
          },
          labelLayout: { hideOverlap: true },
          data: data.dots.map(function (d) { return { value: [d[0], d[1], valueOf(d[2])], key: d[2], name: d[2] }; })
        });
      }
      if (buildings.points.length) {
        series.push({
          type: "scatter",
          coordinateSystem: "geo",
          geoIndex: 0,
          symbolSize: buildings.points.length > 200 ? 3 : 5,
          itemStyle: { color: "#0f3b2a", opacity: 0.55, borderColor: "#ffffff", borderWidth: 0.5 },
          emphasis: { scale: 2 },
          z: 5,
          data: buildings.points.map(function (p) { return { value: [p[0], p[1]], name: p[2], id: p[3] }; })
        });
      }
      return {
        tooltip: {
          trigger: "item",
          confine: true,
          formatter: function (params) {
            if (params.seriesType === "scatter" && !(params.data && params.data.key)) {
              return escape(text.building + " · " + params.name);
            }
            var name = names[params.name];
            if (!name) {
              return "";
            }
            var v = valueOf(params.name);
            return escape(name) + (f && v !== null && data.areas.some(function (a) { return a.key === params.name; })
              ? "<br>" + escape(f.label) + " " + grouped.format(v) : "");
          }
        },
        visualMap: f ? {
          type: "continuous",
          // From the least to the most of the places shown: differences between them are what the colours tell.
          min: min < max ? min : 0,
          max: Math.max(max, 1),
          seriesIndex: 0,
          orient: "horizontal",
          left: 4,
          bottom: 2,
          itemWidth: 10,
          itemHeight: 120,
          text: [grouped.format(max), grouped.format(min < max ? min : 0)],
          formatter: function (v) { return grouped.format(Math.round(v)); },
          textGap: 6,
          calculable: false,
          textStyle: { color: "#5c6a63", fontSize: 11 },
          inRange: { color: ["#eff7f2", "#a8d5bb", "#3f9b72", "#14503a"] }
        } : undefined,
        geo: {
          map: "banyan-place",
          roam: roam,
          triggerEvent: true, // clicks on regions (the map series only colours them: geoIndex)
          aspectScale: Math.cos(midLatitude(data.geojson) * Math.PI / 180),
          preserveAspect: "contain", // a place keeps its shape whatever the box
          right: data.dots.length ? 56 : 8, // room for the names beside the dots
          top: 8,
          bottom: f ? 40 : 8,
          left: 8,
          scaleLimit: { min: 0.8, max: 12 },
          itemStyle: { areaColor: "#f4f7f5", borderColor: "#6f8a7c", borderWidth: 1 },
          emphasis: { itemStyle: { areaColor: "#e0a526" }, label: { show: true, color: "#0f3b2a" } },
          select: { disabled: true },
          label: {
            show: fewAreas,
            fontSize: 11,
            color: "#0f3b2a",
            textBorderColor: "rgba(255,255,255,.85)",
            textBorderWidth: 2,
            formatter: function (params) { return names[params.name] || ""; }
          },
          labelLayout: { hideOverlap: true },
          regions: regions
        },
        series: series
      };
    }

    function draw() {
      chart.setOption(option(), { notMerge: true });
    }

    function show(key, name, url, value) {
      info.textContent = "";
      var strong = document.createElement("strong");
      strong.textContent = name;
      info.appendChild(strong);
      if (value !== null && value !== undefined) {
        info.appendChild(document.createTextNode(" · " + figure().label + " " + grouped.format(value)));
      }
      if (url) {
        info.appendChild(document.createTextNode(" "));
        var link = document.createElement("a");
        link.href = url;
        link.className = "map-open";
        link.textContent = text.open + " ›";
        info.appendChild(link);
      }
    }

    chart.on("click", function (params) {
      var touch = params.event && params.event.event && params.event.event.pointerType === "touch";
      touch = touch || window.matchMedia("(pointer: coarse)").matches;
      var name;
      var url;
      var value = null;
      if (params.seriesType === "scatter" && !(params.data && params.data.key)) {
        name = text.building + " " + params.name;
        url = buildings.url.replace("/0/", "/" + params.data.id + "/");
      } else {
        if (!names[params.name]) {
          return;
        }
        name = names[params.name];
        url = params.name === data.highlight ? null : urls[params.name];
        if (data.areas.some(function (a) { return a.key === params.name; })) {
          value = valueOf(params.name);
        }
      }
      // A tap on a phone shows what was tapped first; a mouse click opens it at once.
      if (touch || !url) {
        show(params.name, name, url, value);
      } else {
        window.location.href = url;
      }
    });

    if (select) {
      var wanted = new URLSearchParams(window.location.search).get("figure");
      if (wanted && figures[wanted]) {
        select.value = wanted;
      }
      select.addEventListener("change", draw);
    }
    if (roamButton) {
      roamButton.addEventListener("click", function () {
        roam = !roam;
        roamButton.setAttribute("aria-pressed", roam ? "true" : "false");
        chart.setOption({ geo: { roam: roam } });
        if (!roam) {
          draw(); // back to the whole place
        }
      });
    }
    draw();
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function escape(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  // -----------------------------------------------------------------------------------------------------------
  // The boundary widget of a grid's form.

  var SVG = "http://www.w3.org/2000/svg";
  var SNAP_PX = 12;

  function parseShape(textValue) {
    // The polygons of a pasted or stored boundary: {polygons} or {error: "bad-json" | "bad-shape"}; empty: {}.
    var value;
    if (!textValue.trim()) {
      return {};
    }
    try {
      value = JSON.parse(textValue);
    } catch (e) {
      return { error: "bad-json" };
    }
    if (value && value.type === "FeatureCollection" && Array.isArray(value.features) && value.features.length === 1) {
      value = value.features[0];
    }
    if (value && value.type === "Feature") {
      value = value.geometry;
    }
    var polygons = polygonsOf(value).filter(function (polygon) {
      return Array.isArray(polygon) && polygon.every(function (ring) {
        return Array.isArray(ring) && ring.every(function (p) {
          return Array.isArray(p) && typeof p[0] === "number" && typeof p[1] === "number";
        });
      });
    });
    return polygons.length ? { polygons: polygons } : { error: "bad-shape" };
  }

  function startBoundary(box) {
    var textarea = document.getElementById(box.dataset.for);
    if (!textarea) {
      return;
    }
    var form = box.closest("form");
    var text = messages(box, ".boundary-messages");
    var panel = box.querySelector(".boundary-map");
    var svg = box.querySelector(".boundary-svg");
    var hint = box.querySelector(".boundary-hint");
    var status = box.querySelector(".boundary-status");
    var fileLabel = box.querySelector(".boundary-file");
    var file = fileLabel.querySelector("input");
    var gridId = box.dataset.grid;
    var reference = { frame: [], others: [], points: [] };
    var stored = textarea.value;
    var shape = parseShape(stored);
    var drawing = shape.polygons || shape.error ? null : [];
    var view = null; // the projection of the last drawing: {west, north, k, scale}
    var requested = "";

    fileLabel.hidden = false;
    if (shape.error) {
      status.textContent = text[shape.error];
    }

    function referenceUrl() {
      var parent = form && form.querySelector("[name=parent]");
      var community = form && form.querySelector("[name=community]");
      if (parent && parent.value) {
        return box.dataset.gridUrl.replace("/0/", "/" + parent.value + "/") + "?format=map&inside=1";
      }
      if (community && community.value) {
        return box.dataset.communityUrl.replace("/0/", "/" + community.value + "/") + "?format=map&inside=1";
      }
      return "";
    }

    function loadReference() {
      var url = referenceUrl();
      if (url === requested) {
        return;
      }
      requested = url;
      if (!url) {
        reference = { frame: [], others: [], points: [] };
        render();
        return;
      }
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (url !== requested) {
            return; // a later choice of parent won
          }
          reference = { frame: [], others: [], points: [] };
          if (data) {
            var ownFrame = data.frame && (data.frame.grids || []).map(String).indexOf(String(gridId)) >= 0;
            data.geojson.features.forEach(function (f) {
              var key = f.properties.name;
              if (key === "frame") {
                if (!ownFrame) {
                  reference.frame = reference.frame.concat(polygonsOf(f.geometry));
                }
              } else if (key !== "g" + gridId) {
                reference.others = reference.others.concat(polygonsOf(f.geometry));
              }
            });
            reference.points = (data.buildings && data.buildings.points) || [];
          }
          render();
        })
        .catch(function () { render(); });
    }

    function drawnPolygons() {
      if (drawing && drawing.length) {
        return [[drawing]];
      }
      return shape.polygons || [];
    }

    function render() {
      var all = reference.frame.concat(reference.others, drawnPolygons(), shape.polygons || []);
      var west = 180;
      var east = -180;
      var south = 90;
      var north = -90;
      all.forEach(function (polygon) {
        polygon.forEach(function (ring) {
          ring.forEach(function (p) {
            west = Math.min(west, p[0]); east = Math.max(east, p[0]);
            south = Math.min(south, p[1]); north = Math.max(north, p[1]);
          });
        });
      });
      if (west > east) {
        panel.hidden = true;
        hint.textContent = "";
        if (!shape.error) {
          status.textContent = text["no-frame"];
        }
        view = null;
        return;
      }
      panel.hidden = false;
      var k = Math.cos(((south + north) / 2) * Math.PI / 180);
      var spanX = Math.max((east - west) * k, 1e-6);
      var spanY = Math.max(north - south, 1e-6);
      var pad = Math.max(spanX, spanY) * 0.06;
      var scale = 1000 / (spanX + 2 * pad);
      view = { west: west - pad / k, north: north + pad, k: k, scale: scale };
      svg.setAttribute("viewBox", "0 0 1000 " + Math.round((spanY + 2 * pad) * scale));
      svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
      while (svg.firstChild) {
        svg.removeChild(svg.firstChild);
      }
      reference.others.forEach(function (polygon) { path(polygon, "boundary-other"); });
      reference.frame.forEach(function (polygon) { path(polygon, "boundary-frame"); });
      var unit = unitPx();
      reference.points.forEach(function (p) { dot(p, 1.6 * unit, "boundary-building"); });
      if (drawing) {
        if (shape.polygons) {
          shape.polygons.forEach(function (polygon) { path(polygon, "boundary-old"); });
        }
        if (drawing.length > 1) {
          var line = document.createElementNS(SVG, drawing.length > 2 ? "polygon" : "polyline");
          line.setAttribute("points", drawing.map(function (p) { return xy(p).join(","); }).join(" "));
          line.setAttribute("class", "boundary-drawing");
          svg.appendChild(line);
        }
        drawing.forEach(function (p, i) { dot(p, (i === 0 ? 6 : 4.5) * unit, "boundary-vertex"); });
        hint.textContent = text["hint-draw"];
      } else {
        (shape.polygons || []).forEach(function (polygon) { path(polygon, "boundary-shape"); });
        hint.textContent = text["hint-view"];
      }
      box.querySelector("[data-boundary=draw]").hidden = !!drawing;
      box.querySelector("[data-boundary=undo]").hidden = !drawing || !drawing.length;
    }

    function unitPx() {
      // User units of one screen pixel (the SVG is scaled to its box).
      var width = svg.getBoundingClientRect().width || 360;
      return 1000 / width;
    }

    function xy(p) {
      return [(p[0] - view.west) * view.k * view.scale, (view.north - p[1]) * view.scale];
    }

    function lonlat(x, y) {
      return [view.west + x / view.scale / view.k, view.north - y / view.scale];
    }

    function path(polygon, cls) {
      var d = polygon.map(function (ring) {
        return "M" + ring.map(function (p) { return xy(p).join(","); }).join("L") + "Z";
      }).join("");
      var el = document.createElementNS(SVG, "path");
      el.setAttribute("d", d);
      el.setAttribute("class", cls);
      el.setAttribute("fill-rule", "evenodd");
      svg.appendChild(el);
    }

    function dot(p, r, cls) {
      var c = document.createElementNS(SVG, "circle");
      var at = xy(p);
      c.setAttribute("cx", at[0]);
      c.setAttribute("cy", at[1]);
      c.setAttribute("r", r);
      c.setAttribute("class", cls);
      svg.appendChild(c);
    }

    function snap(x, y) {
      // A corner near a vertex of the parent or a neighbour takes that vertex exactly; near the parent's or a
      // neighbour's edge, the nearest point of it: grids then share their edges instead of overlapping.
      var tolerance = SNAP_PX * unitPx();
      var best = null;
      var bestD = tolerance;
      var rings = [];
      reference.frame.concat(reference.others).forEach(function (polygon) { rings = rings.concat(polygon); });
      if (drawing && drawing.length > 2) {
        rings.push([drawing[0]]);
      }
      rings.forEach(function (ring) {
        ring.forEach(function (p) {
          var q = xy(p);
          var d = Math.hypot(q[0] - x, q[1] - y);
          if (d < bestD) {
            bestD = d;
            best = [p[0], p[1]];
          }
        });
      });
      if (best) {
        return best;
      }
      rings.forEach(function (ring) {
        for (var i = 0; i + 1 < ring.length; i++) {
          var a = xy(ring[i]);
          var b = xy(ring[i + 1]);
          var dx = b[0] - a[0];
          var dy = b[1] - a[1];
          var len = dx * dx + dy * dy;
          if (!len) {
            continue;
          }
          var t = Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / len));
          var d = Math.hypot(a[0] + t * dx - x, a[1] + t * dy - y);
          if (d < bestD) {
            bestD = d;
            best = [ring[i][0] + t * (ring[i + 1][0] - ring[i][0]), ring[i][1] + t * (ring[i + 1][1] - ring[i][1])];
          }
        }
      });
      return best || lonlat(x, y);
    }

    function round(p) {
      return [Math.round(p[0] * 1e7) / 1e7, Math.round(p[1] * 1e7) / 1e7];
    }

    function write() {
      if (drawing.length >= 3) {
        var ring = drawing.map(round);
        ring.push(ring[0].slice()); // the ring the user drew is closed for them
        textarea.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
        status.textContent = text.points.replace("%s", drawing.length);
      } else {
        textarea.value = stored; // an unfinished drawing does not replace the boundary
        status.textContent = drawing.length ? text.points.replace("%s", drawing.length) + "。" + text["too-few"] : "";
      }
    }

    svg.addEventListener("click", function (event) {
      if (!drawing || !view) {
        return;
      }
      var pt = svg.createSVGPoint();
      pt.x = event.clientX;
      pt.y = event.clientY;
      var at = pt.matrixTransform(svg.getScreenCTM().inverse());
      var p = snap(at.x, at.y);
      if (drawing.length > 2 && p[0] === drawing[0][0] && p[1] === drawing[0][1]) {
        finish(); // a click on the first corner closes the ring
        return;
      }
      drawing.push(p);
      write();
      render();
    });

    function finish() {
      write();
      if (drawing.length >= 3) {
        stored = textarea.value;
        shape = parseShape(stored);
        drawing = null;
      }
      render();
    }

    box.addEventListener("click", function (event) {
      var button = event.target.closest("[data-boundary]");
      if (!button) {
        return;
      }
      var action = button.dataset.boundary;
      if (action === "draw") {
        drawing = [];
        status.textContent = "";
      } else if (action === "undo" && drawing) {
        drawing.pop();
        write();
      } else if (action === "clear") {
        drawing = [];
        stored = "";
        shape = {};
        textarea.value = "";
        status.textContent = text.cleared;
      }
      render();
    });

    textarea.addEventListener("input", function () {
      stored = textarea.value;
      shape = parseShape(stored);
      drawing = shape.polygons || shape.error ? null : [];
      status.textContent = shape.error ? text[shape.error] : "";
      render();
    });

    file.addEventListener("change", function () {
      if (!file.files.length) {
        return;
      }
      var reader = new FileReader();
      reader.onload = function () {
        textarea.value = String(reader.result);
        textarea.dispatchEvent(new Event("input"));
        if (!shape.error) {
          status.textContent = text.loaded;
        }
        box.querySelector(".boundary-raw").open = !!shape.error;
      };
      reader.readAsText(file.files[0]);
    });

    if (form) {
      form.addEventListener("change", function (event) {
        if (event.target.matches("[name=community], [name=parent]")) {
          loadReference();
        }
      });
      // A picker's choice fills its hidden input without a change event (app.js): look again after it.
      document.addEventListener("click", function (event) {
        if (event.target.closest("[data-pick]")) {
          window.setTimeout(loadReference, 0);
        }
      });
    }
    window.addEventListener("resize", render);
    render();
    loadReference();
  }

  function start() {
    document.querySelectorAll(".map-card").forEach(function (section) {
      if (section.querySelector("[data-map]")) {
        startMap(section);
      }
    });
    document.querySelectorAll(".boundary").forEach(startBoundary);
  }

  // Deferred scripts run while the document is "interactive", before DOMContentLoaded: ECharts may come later.
  if (document.readyState === "complete") {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
