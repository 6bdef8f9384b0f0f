/* The alarm console: Leaflet markers for the live alarms, redrawn whenever htmx swaps in a new list,
   and the time since each alarm was raised counted on screen between refreshes. */
(function () {
  "use strict";
  var COLOURS = { pending: "#c77700", open: "#c8102e", acknowledged: "#1b7f3b" };
  var config = JSON.parse(document.getElementById("alarm-map-config").textContent);
  var map = L.map("alarm-map", { attributionControl: Boolean(config.attribution) });
  if (config.tiles) {
    L.tileLayer(config.tiles, { maxZoom: 19, attribution: config.attribution }).addTo(map);
  }
  if (config.bounds) {
    // Without tiles the outline of the area is all the background there is.
    L.rectangle(config.bounds, { color: "#667", weight: 1, dashArray: "4 4", fill: false, interactive: false }).addTo(map);
    map.fitBounds(config.bounds);
  } else {
    map.setView([39.9, 116.4], 11);
  }
  var markers = L.layerGroup().addTo(map);

  function draw() {
    var source = document.getElementById("alarm-points");
    if (!source) { return; }
    var points = JSON.parse(source.textContent);
    markers.clearLayers();
    points.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lon], {
        radius: p.status === "acknowledged" ? 8 : 12, color: "#fff", weight: 3,
        fillColor: COLOURS[p.status] || "#c8102e", fillOpacity: 0.95
      });
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.number + " " + (p.name || "") + " · " + p.status_label;
      marker.bindPopup(link);
      marker.bindTooltip(p.number);
      markers.addLayer(marker);
    });
    if (!config.bounds && points.length) {
      map.fitBounds(L.latLngBounds(points.map(function (p) { return [p.lat, p.lon]; })).pad(0.3), { maxZoom: 16 });
    }
    var waiting = points.filter(function (p) { return p.status !== "acknowledged"; }).length;
    document.title = document.title.replace(/^\(\d+\) /, "");
    if (waiting) { document.title = "(" + waiting + ") " + document.title; }
  }

  function format(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-waiting]").forEach(function (el) {
      if (!el.dataset.origin) { el.dataset.origin = String(now - parseInt(el.dataset.waiting, 10) * 1000); }
      el.textContent = format(Math.max(0, Math.floor((now - parseInt(el.dataset.origin, 10)) / 1000)));
    });
  }

  draw();
  tick();
  window.setInterval(tick, 1000);
  document.body.addEventListener("htmx:afterSettle", function () { draw(); tick(); });
})();
